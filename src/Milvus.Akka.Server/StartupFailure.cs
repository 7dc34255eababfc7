using System.Net.Sockets;

namespace Milvus.Akka.Server;

/// <summary>Why a node could not start, said in one line for the failures an operator causes and can fix.</summary>
public static class StartupFailure
{
    /// <summary>
    /// A port another process holds (the gRPC port, or the remoting port pinned with --port) as one line saying what to
    /// change; any other failure in full, with its stack trace, for a bug report.
    /// </summary>
    public static string Describe(Exception failure)
    {
        Exception? described = null;
        for (var e = failure; e is not null; e = e.InnerException)
        {
            // Akka's remoting wraps its bind failure in several AggregateExceptions; the first other exception says which address.
            described ??= e is AggregateException ? null : e;
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                var what = (described ?? e).Message.Replace(" See InnerException for details.", "").TrimEnd('.');
                var inUse = what.Contains("in use", StringComparison.OrdinalIgnoreCase) ? "" : ": address already in use";
                return $"{what}{inUse}. Another process listens on that port: stop it, or give this node another port "
                    + "(milvus.proxy.grpc.port in a --config file for the gRPC API, --port for Akka remoting).";
            }
        }

        return failure.ToString();
    }
}
