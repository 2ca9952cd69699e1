using System.Net;
using System.Net.Sockets;

namespace CyclicActors.TestSupport;

/// <summary>
/// A loopback port nothing listens on, held until disposed: its socket is bound, so no other process
/// can take the port meanwhile, and never listens, so a connection to it is refused at once. (A port
/// probed free and closed again could be taken by anyone before the test uses it.)
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
