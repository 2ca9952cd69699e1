using System.Globalization;

namespace CyclicActors.Bench.Transport;

/// <summary>Command-line options shared by the driver and the receiver process it starts.</summary>
internal sealed record BenchOptions
{
    public int PayloadMiB { get; init; } = 64;

    public int ChunkKiB { get; init; } = 1024;

    /// <summary>Flow-control windows (chunks in flight per link) to measure, each against its own raw TCP baseline.</summary>
    public IReadOnlyList<int> Windows { get; init; } = [8];

    public int Repetitions { get; init; } = 5;

    public string ResultsDirectory { get; init; } = Path.Combine("bench", "results");

    /// <summary>Set only in the receiver process: the driver's cluster address, which it joins.</summary>
    public string? SeedAddress { get; init; }

    /// <summary>Set only in the receiver process: its node directory (`cyclic certs issue` layout) for the TLS channel rows.</summary>
    public string? TlsNode { get; init; }

    /// <summary>Set only in the receiver process: the certificate fingerprint of the driver, the one peer its TLS listener admits.</summary>
    public string? TlsPeer { get; init; }

    public int PayloadBytes => checked(PayloadMiB * 1024 * 1024);

    public int ChunkBytes => checked(ChunkKiB * 1024);

    public int PayloadElements => PayloadBytes / sizeof(float);

    /// <summary>Akka.Remote frame limit: one chunk plus room for the chunk header and the remoting envelope.</summary>
    public int FrameBytes => ChunkBytes + 64 * 1024;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            // Each option takes one value.
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--payload-mib" => options with { PayloadMiB = Positive(args[i], value) },
                "--chunk-kib" => options with { ChunkKiB = Positive(args[i], value) },
                "--windows" => options with { Windows = value.Split(',').Select(window => Positive(args[i], window)).ToArray() },
                "--reps" => options with { Repetitions = Positive(args[i], value) },
                "--out" => options with { ResultsDirectory = value },
                "--seed" => options with { SeedAddress = value },
                "--tls-node" => options with { TlsNode = value },
                "--tls-peer" => options with { TlsPeer = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
            i++;
        }

        return options;
    }

    public IEnumerable<string> ToReceiverArguments(string seedAddress, string tlsNode, string tlsPeer) =>
    [
        "--payload-mib", PayloadMiB.ToString(CultureInfo.InvariantCulture),
        "--chunk-kib", ChunkKiB.ToString(CultureInfo.InvariantCulture),
        "--seed", seedAddress,
        "--tls-node", tlsNode,
        "--tls-peer", tlsPeer,
    ];

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} must be a positive integer, got '{value}'.");
}
