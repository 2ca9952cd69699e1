using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Whether a node's Akka port is free, checked by listening on it for a moment before the node
/// starts: a port another process listens on fails at start with one line naming it (Akka.Remote
/// would log a stack trace and abort the process).
/// </summary>
internal static class PortCheck
{
    public enum Outcome
    {
        /// <summary>Free, or not checked: port 0, or a host this check cannot resolve (the node's start reports that).</summary>
        Free,

        /// <summary>Nothing listens, but connections of a node stopped less than a minute ago are still closing (TIME_WAIT).</summary>
        HeldByClosingConnections,
    }

    /// <exception cref="ClusterStartException">Another process listens on <paramref name="host"/>:<paramref name="port"/>.</exception>
    public static Outcome Probe(string host, int port)
    {
        if (port == 0 || Resolve(host) is not { } address)
        {
            return Outcome.Free;
        }

        if (CanListen(address, port, reuseAddress: false))
        {
            return Outcome.Free;
        }

        // SO_REUSEADDR alone (not the SO_REUSEPORT .NET adds to it) lets a listener start over closing
        // connections, never beside another listener.
        return ReuseAddressOption() is not null && CanListen(address, port, reuseAddress: true)
            ? Outcome.HeldByClosingConnections
            : throw new ClusterStartException(InUse(host, port));
    }

    public static string InUse(string host, int port) => string.Create(CultureInfo.InvariantCulture,
        $"port {port} on {host} is in use by another process (another seed or member?); stop it or choose another --port");

    private static IPAddress? Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        try
        {
            // IPv4 first, as Akka.Remote resolves a host name (dot-netty.tcp.dns-use-ipv6 = false).
            var addresses = Dns.GetHostAddresses(host);
            return addresses.FirstOrDefault(candidate => candidate.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>False only when the address is in use; any other failure (not this machine's address, ...) is left to the node's start.</summary>
    private static bool CanListen(IPAddress address, int port, bool reuseAddress)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (reuseAddress && ReuseAddressOption() is var (level, name))
            {
                socket.SetRawSocketOption(level, name, BitConverter.GetBytes(1));
            }

            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.AddressAlreadyInUse)
        {
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>SOL_SOCKET and SO_REUSEADDR of this OS (null on Windows, where the option means something else).</summary>
    private static (int Level, int Name)? ReuseAddressOption() =>
        OperatingSystem.IsLinux() ? (1, 2)
        : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? (0xffff, 4)
        : null;
}
