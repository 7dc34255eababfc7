using Milvus.Akka.Common;
using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>A reader that runs without pause beside a writer whose acknowledged row counts it checks.</summary>
public static class ContinuousReader
{
    /// <summary>
    /// Count(*), a filtered search and a primary-key query, at Strong and Bounded, without pause. A Strong count lies between
    /// the counts the writer had from the read's start (everything acknowledged by then) to its end; a read fails only
    /// while the collection is released, and then with Milvus's "collection not loaded".
    /// </summary>
    public static async Task RunAsync(MilvusProxy proxy, string name, TestRows rows, WriteHistory history, CancellationToken stop)
    {
        var random = new Random(7);
        while (!stop.IsCancellationRequested)
        {
            foreach (var consistency in new[] { ConsistencyLevel.Strong, ConsistencyLevel.Bounded })
            {
                var (start, releaseEpoch) = history.ReadStarts();
                var kind = random.Next(3);
                try
                {
                    switch (kind)
                    {
                        case 0:
                            var count = await proxy.QueryAsync(new QueryRequest { Collection = name, OutputFields = [MilvusProxy.CountStar], Consistency = consistency });
                            if (consistency == ConsistencyLevel.Strong)
                            {
                                // A write in flight spans both shards, each applying it on its own, so it may be partly visible.
                                var possible = history.CountsSince(start);
                                Assert.True(possible.Min() <= count.Count && count.Count <= possible.Max(),
                                    $"a strong count(*) answered {count.Count}; the writer's counts over the read were [{string.Join(",", possible)}]");
                            }

                            break;
                        case 1:
                            var hits = await proxy.SearchAsync(new SearchRequest
                            {
                                Collection = name,
                                VectorField = "vec_l2",
                                Vectors = rows.RandomQuery(),
                                Limit = 10,
                                Filter = "num < 500",
                                Consistency = consistency,
                            });
                            var ids = ((ScalarColumn<long>)hits.Ids).Values;
                            Assert.Equal(ids.Length, ids.Distinct().Count());
                            Assert.True(history.CountsSince(start).Min() < 100 || ids.Length == 10, $"a filtered search found only {ids.Length} hits");
                            break;
                        default:
                            var id = random.Next(100);
                            var found = await proxy.QueryAsync(new QueryRequest { Collection = name, Filter = $"id in [{id}]", OutputFields = ["num"], Consistency = consistency });
                            if (start >= 1)
                            {
                                // The first insert, which wrote rows 0..99, was acknowledged before the read.
                                Assert.Equal([id], ((ScalarColumn<long>)found.Ids).Values);
                            }

                            break;
                    }
                }
                catch (MilvusException e) when (e.Code == ErrorCode.CollectionNotLoaded && history.ReleasedSince(releaseEpoch))
                {
                    // Milvus answers reads of a released collection this way.
                }

                history.ReadDone();
            }
        }
    }

    /// <summary>The writer's row counts, one per write in order, and its release windows.</summary>
    public sealed class WriteHistory
    {
        private readonly List<long> _counts = [0];
        private readonly Lock _lock = new();
        private bool _writing;
        private int _releaseEpoch;
        private int _reads;

        public long Acknowledged { get { lock (_lock) { return _writing ? _counts[^2] : _counts[^1]; } } }

        public int Reads => Volatile.Read(ref _reads);

        /// <summary>Runs one write; while it runs its count may already be visible, so a read's window includes it.</summary>
        public async Task WriteAsync(long delta, Func<Task> write)
        {
            lock (_lock)
            {
                _counts.Add(_counts[^1] + delta);
                _writing = true;
            }

            await write();
            lock (_lock)
            {
                _writing = false;
            }
        }

        /// <summary>
        /// A read starts: the index of the count of the last acknowledged write (a Strong read sees at least it), and the
        /// release epoch (odd while released).
        /// </summary>
        public (int Start, int ReleaseEpoch) ReadStarts()
        {
            lock (_lock)
            {
                return (_writing ? _counts.Count - 2 : _counts.Count - 1, _releaseEpoch);
            }
        }

        /// <summary>The counts a read that started at <paramref name="start"/> may see: up to the write in flight now.</summary>
        public List<long> CountsSince(int start)
        {
            lock (_lock)
            {
                return _counts[start..];
            }
        }

        /// <summary>Whether the collection was released at some point since the epoch <paramref name="startEpoch"/> was read.</summary>
        public bool ReleasedSince(int startEpoch)
        {
            lock (_lock)
            {
                return startEpoch % 2 == 1 || _releaseEpoch != startEpoch;
            }
        }

        /// <summary>Called before a release and after the load that follows it.</summary>
        public void ReleaseWindowEdge()
        {
            lock (_lock)
            {
                _releaseEpoch++;
            }
        }

        public void ReadDone() => Interlocked.Increment(ref _reads);
    }
}
