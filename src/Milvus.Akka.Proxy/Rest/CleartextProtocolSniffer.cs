using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>
/// Lets one cleartext port serve gRPC (HTTP/2 with prior knowledge) and the RESTful API (HTTP/1.1), as Milvus serves both
/// on 19530. Kestrel cannot: on a port without TLS it speaks HTTP/1.1 or HTTP/2, never both, since it picks per port,
/// not per connection. So the port speaks HTTP/2, and a connection whose first bytes are not the HTTP/2 client preface
/// is relayed, byte for byte, to a loopback endpoint of the same host that speaks HTTP/1.1 (<see cref="Http1Target"/>).
/// gRPC connections pass untouched; only REST connections pay the relay.
/// </summary>
internal sealed class CleartextProtocolSniffer
{
    private static readonly byte[] Http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>The HTTP/1.1 endpoint, known once the host has bound it; until then HTTP/1.1 connections are closed.</summary>
    public IPEndPoint? Http1Target { get; set; }

    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        bool? http2;
        try
        {
            http2 = await StartsWithHttp2PrefaceAsync(connection.Transport.Input, connection.ConnectionClosed);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            return; // the client left before it said anything (a port probe)
        }

        if (http2 == true)
        {
            await next(connection);
        }
        else if (http2 == false && Http1Target is { } target)
        {
            await RelayAsync(connection, target);
        }
    };

    /// <summary>Whether the connection opens with the HTTP/2 preface; null when it closed without a byte.</summary>
    private static async Task<bool?> StartsWithHttp2PrefaceAsync(PipeReader input, CancellationToken closed)
    {
        while (true)
        {
            var read = await input.ReadAsync(closed);
            var buffer = read.Buffer;
            var match = PrefaceMatch(buffer);
            if (match is not null || read.IsCompleted || read.IsCanceled)
            {
                // Nothing consumed or examined: the next reader starts from the first byte, without waiting for more.
                input.AdvanceTo(buffer.Start);
                return buffer.IsEmpty ? null : match == true;
            }

            // A prefix of the preface so far: wait for more bytes.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>True when <paramref name="buffer"/> opens with the whole preface, false when it cannot, null while it is a prefix of it.</summary>
    private static bool? PrefaceMatch(ReadOnlySequence<byte> buffer)
    {
        var length = (int)Math.Min(buffer.Length, Http2Preface.Length);
        Span<byte> head = stackalloc byte[Http2Preface.Length];
        buffer.Slice(0, length).CopyTo(head);
        return !head[..length].SequenceEqual(Http2Preface.AsSpan(0, length)) ? false
            : length == Http2Preface.Length ? true
            : null;
    }

    private static async Task RelayAsync(ConnectionContext connection, IPEndPoint target)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target, connection.ConnectionClosed);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return;
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var toServer = CopyToServerAsync(connection.Transport.Input, stream, socket, connection.ConnectionClosed);
        var toClient = stream.CopyToAsync(connection.Transport.Output, connection.ConnectionClosed);
        if (await Task.WhenAny(toServer, toClient) == toServer && toServer.IsCompletedSuccessfully)
        {
            // The client sent all it will: the HTTP/1.1 side answers what it has, then closes.
            await Ended(toClient);
            return;
        }

        // One side closed or failed (the HTTP/1.1 side closes idle keep-alive connections): so does the other, at once,
        // rather than when the client next sends a request into a closed relay. Returning closes the client's connection.
        connection.Transport.Input.CancelPendingRead();
        socket.Close();
        await Ended(toServer);
        await Ended(toClient);
    }

    /// <summary>When the client stops sending, the HTTP/1.1 side is told so, and answers what it has before closing.</summary>
    private static async Task CopyToServerAsync(PipeReader input, NetworkStream stream, Socket socket, CancellationToken closed)
    {
        await input.CopyToAsync(stream, closed);
        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Waits for a copy that is ending; a side that went away ends the relay as it would have ended the connection.</summary>
    private static async Task Ended(Task copy)
    {
        try
        {
            await copy;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConnectionResetException or ObjectDisposedException)
        {
        }
    }
}
