using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// Checks a node's --host before Akka.Remote binds it: Akka reports a host it cannot resolve or
/// bind with a stack trace and a process abort, long after the flags were read.
/// </summary>
internal static class ListenHost
{
    /// <summary>The host if it is an IP address or host name this machine can listen on; otherwise a usage error naming it and <paramref name="port"/>.</summary>
    public static string Check(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        var address = Resolve(host);
        try
        {
            // Port 0: only the address is in question here; a port in use is found when the node binds it.
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(address, 0));
        }
        catch (SocketException e)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--host {host}: cannot listen on {host}:{port} ({e.Message}); give an address of this machine"));
        }

        return host;
    }

    private static IPAddress Resolve(string host)
    {
        if (host.Length == 0 || host.Any(char.IsWhiteSpace))
        {
            throw new UsageException($"--host '{host}' is not an IP address or host name");
        }

        // Text of digits and dots is meant as IPv4, and IPAddress.TryParse also takes short forms
        // ("127.1"), so it has to be four numbers 0..255.
        if (host.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            var parts = host.Split('.');
            return parts.Length == 4 && parts.All(part => part.Length is > 0 and <= 3 && int.Parse(part, CultureInfo.InvariantCulture) <= 255)
                ? IPAddress.Parse(host)
                : throw new UsageException($"--host {host} is not a valid IPv4 address (four numbers 0..255)");
        }

        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            throw new UsageException($"--host {host} is not an IP address or host name");
        }

        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new UsageException($"--host {host} cannot be resolved ({e.Message})");
        }

        // Akka.Remote resolves to IPv4 unless dns-use-ipv6 is set.
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new UsageException($"--host {host} resolves to no address");
    }
}
