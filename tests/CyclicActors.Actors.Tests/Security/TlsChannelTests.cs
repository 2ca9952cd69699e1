using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Security;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Channel;

namespace CyclicActors.Actors.Tests.Security;

/// <summary>
/// The tensor channel with --tls: mutual TLS with the node certificates, the peer checked against
/// the pinned CA. A peer of another CA, a plaintext client, random bytes and an HTTP request are
/// refused, saying why, and the listener keeps serving the nodes of its own cluster. The token is
/// bound to the authenticated peer: a node of the same CA that the run's plan does not name is
/// refused even with the right token, and a sender accepts only the certificate its peer announced.
/// </summary>
public sealed class TlsChannelTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"cyclic-tls-{Guid.NewGuid():N}");
    private readonly X509Certificate2 _authority = ClusterCertificates.CreateAuthority("cluster", TimeSpan.FromDays(2));
    private readonly X509Certificate2 _foreignAuthority = ClusterCertificates.CreateAuthority("someone else", TimeSpan.FromDays(2));
    private readonly ConcurrentQueue<float[]> _arrived = new();
    private readonly BlockingCollection<string> _refused = [];

    public void Dispose()
    {
        _refused.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_node_of_the_same_ca_sends_a_tensor_bit_exact_and_a_node_of_another_ca_is_refused_both_ways()
    {
        var settings = Settings(Node("seed", _authority));
        using var listener = Listen(settings);
        var member = Node("member", _authority);
        listener.AdmitPeers([settings.Tls!.Fingerprint, member.Fingerprint]);

        await SendAsync(member, listener, [1f, -2.5f, 3e-8f]);
        Assert.Equal([1f, -2.5f, 3e-8f], SingleArrival());

        // A stranger's own CA does not vouch for this listener, and this listener's CA does not vouch for the stranger.
        var error = await Assert.ThrowsAsync<AuthenticationException>(() => SendAsync(Node("stranger", _foreignAuthority), listener, [9f]));
        Assert.Contains("not signed by this cluster's CA", error.Message, StringComparison.Ordinal);
        SingleArrival();
    }

    [Fact]
    public async Task A_client_certificate_from_another_ca_is_refused_by_the_listener_naming_why()
    {
        using var listener = Listen(Settings(Node("seed", _authority)));
        using var intruder = ClusterCertificates.Issue(_foreignAuthority, "intruder", ["127.0.0.1"], TimeSpan.FromDays(1));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", listener.Port);
        // It trusts the listener (it knows the cluster's CA) but presents a certificate of its own CA.
        await using var ssl = new SslStream(new NetworkStream(socket), false, (_, _, _, _) => true);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", ClientCertificates = [intruder] });
            await ssl.WriteAsync(new byte[64]);
            await ssl.ReadExactlyAsync(new byte[8]);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            // The listener may end the handshake before the client sees it complete.
        }

        Assert.Contains("not signed by this cluster's CA", NextRefusal(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plaintext channel hello")]
    [InlineData("random bytes")]
    [InlineData("http request")]
    public async Task Bytes_that_are_not_tls_are_refused_and_the_listener_keeps_serving(string what)
    {
        var node = Node("seed", _authority);
        using var listener = Listen(Settings(node));
        var member = Node("member", _authority);
        listener.AdmitPeers([member.Fingerprint]);

        if (what == "plaintext channel hello")
        {
            await Assert.ThrowsAnyAsync<IOException>(() => SendAsync(tls: null, listener, [5f]));
        }
        else
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", listener.Port);
            await socket.SendAsync(what == "http request" ? "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() : Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 4096));
        }

        // Refused either way: at once when the bytes cannot start a TLS record, or at the hello timeout when they
        // happen to read as the header of a longer one (the plaintext hello starts with the run's random token;
        // CI once drew such a token).
        Assert.Matches("TLS handshake refused|sent no TLS handshake", NextRefusal());
        await SendAsync(member, listener, [7f]);
        Assert.Equal([7f], SingleArrival());
    }

    [Fact]
    public async Task A_node_of_the_same_ca_that_the_plan_does_not_name_is_refused_even_with_the_token()
    {
        using var listener = Listen(Settings(Node("seed", _authority)));
        var member = Node("member", _authority);
        var outsider = Node("outsider", _authority);
        listener.AdmitPeers([member.Fingerprint]);

        // The handshake succeeds (same CA), the token is right, but the certificate is not one of the run's nodes.
        await Assert.ThrowsAnyAsync<IOException>(() => SendAsync(outsider, listener, [9f]));
        var refusal = NextRefusal();
        Assert.Contains("not one of this run's nodes", refusal, StringComparison.Ordinal);
        Assert.Contains(outsider.Fingerprint, refusal, StringComparison.Ordinal);

        await SendAsync(member, listener, [4f]);
        Assert.Equal([4f], SingleArrival());
    }

    [Fact]
    public async Task A_peer_that_connects_before_the_plan_names_it_waits_and_is_admitted()
    {
        using var listener = Listen(Settings(Node("seed", _authority)));
        var member = Node("member", _authority);

        var sending = SendAsync(member, listener, [2f, 3f]);
        await Task.Delay(300);
        Assert.Empty(_arrived);
        listener.AdmitPeers([member.Fingerprint]);
        await sending.WaitAsync(Limit);

        Assert.Equal([2f, 3f], SingleArrival());
    }

    [Fact]
    public async Task A_listener_with_another_certificate_of_the_same_ca_than_its_node_announced_is_refused_by_the_sender()
    {
        var impostor = Settings(Node("impostor", _authority));
        using var listener = Listen(impostor);
        var member = Node("member", _authority);
        listener.AdmitPeers([member.Fingerprint]);
        var announced = Node("seed", _authority).Fingerprint;

        var error = await Assert.ThrowsAsync<AuthenticationException>(() => SendAsync(member, listener, [1f], announced));

        Assert.Contains("not the one its node announced", error.Message, StringComparison.Ordinal);
        Assert.Contains(announced, error.Message, StringComparison.Ordinal);
        Assert.Empty(_arrived);
    }

    [Fact]
    public void An_expired_node_certificate_is_refused_at_start_with_a_clear_message()
    {
        var directory = Path.Combine(_directory, "expired");
        using var expired = ClusterCertificates.Issue(_authority, "old", ["127.0.0.1"], TimeSpan.FromHours(1), DateTimeOffset.UtcNow.AddDays(-3));
        ClusterTlsFiles.WriteNode(directory, expired, _authority);

        var error = Assert.Throws<ConfigurationException>(() => ClusterTls.Load(directory));

        Assert.Contains("not valid now", error.Message, StringComparison.Ordinal);
        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
    }

    private ClusterTls Node(string name, X509Certificate2 authority)
    {
        var directory = Path.Combine(_directory, $"{name}-{Guid.NewGuid():N}");
        using var node = ClusterCertificates.Issue(authority, name, ["127.0.0.1"], TimeSpan.FromDays(1));
        ClusterTlsFiles.WriteNode(directory, node, authority);
        return ClusterTls.Load(directory);
    }

    private static TransportSettings Settings(ClusterTls tls) =>
        TransportSettings.From(ConfigurationFactory.ParseString("cyclic-actors.transport.chunk-bytes = 64 KiB").WithFallback(ClusterConfiguration.Defaults)) with { Tls = tls };

    private TensorChannelListener Listen(TransportSettings settings) => TensorChannelListener.Start("127.0.0.1", 0, settings, channel => channel == 0,
        (_, step) =>
        {
            if (step.Result.Outcome == ChunkOutcome.Completed)
            {
                using var tensor = step.Tensor!;
                _arrived.Enqueue(tensor.ToArray());
            }
        },
        _ => { },
        (_, reason) => _refused.Add(reason));

    private static async Task SendAsync(ClusterTls? tls, TensorChannelListener listener, float[] values, string? announced = null)
    {
        using var cancel = new CancellationTokenSource(Limit);
        var sender = await TensorChannelSender.ConnectAsync("127.0.0.1", listener.Port, new ChannelHello(listener.Token, 0), 4, null, cancel.Token, tls, announced);
        await using (sender)
        {
            var sent = await sender.SendAsync(TensorChunker.Split(0, new TransferLabel(1, 0, 0), values, 64 * 1024), cancel.Token);
            await sender.WhenAcknowledgedAsync(sent, cancel.Token);
        }
    }

    /// <summary>The one tensor that arrived: the acknowledgement can reach the sender just before the listener records it, so this waits for it.</summary>
    private float[] SingleArrival()
    {
        var deadline = DateTime.UtcNow + Limit;
        while (_arrived.IsEmpty && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        return Assert.Single(_arrived);
    }

    private string NextRefusal() => _refused.TryTake(out var reason, Limit) ? reason : throw new TimeoutException("the listener refused nothing");
}
