using System.Net;
using System.Net.Sockets;

namespace CyclicActors.TestSupport;

/// <summary>
/// A loopback port nothing listens on, held until disposed: its socket is bound, so the OS gives the
/// port to no other socket meanwhile (neither a bind to port 0 nor an outgoing connection), and never
/// listens, so a connection to it is refused at once. A port probed free and closed again could be
/// given to another node of a test (--port 0) before it is used.
/// </summary>
internal sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}
