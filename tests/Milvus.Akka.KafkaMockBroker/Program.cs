using Milvus.Akka.TestSupport;

// A Kafka-protocol broker on 127.0.0.1 for tests that kill the processes writing to it. Prints
// "bootstrap.servers=host:port" once it serves, then runs until its standard input closes (the parent test ended,
// however it ended) or it is killed.
using var broker = new KafkaMockCluster();
Console.WriteLine(KafkaBrokerProcess.ReadyPrefix + broker.BootstrapServers);
await Console.In.ReadToEndAsync();
