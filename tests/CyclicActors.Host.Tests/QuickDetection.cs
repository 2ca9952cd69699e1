namespace CyclicActors.Host.Tests;

/// <summary>
/// Failure detection for tests that lose a node on purpose, through the two settings docs/cluster.md
/// says to lower for a faster recovery on a quiet network. With the shipped ones (a 10 s acceptable
/// heartbeat pause, then 15 s of split-brain resolver stable-after) a killed node left the cluster
/// about 28 s after it died, most of each such test; with 3 s + 3 s it leaves after about 10 s
/// (measured: unreachable after 4.7 s, downed 3.2 s later, removed 1.8 s after that). A healthy node
/// is downed only when its heartbeats stop for about 7.5 s (pause, the detector's margin, then
/// stable-after); the small mlp runs of these tests come nowhere near that, also with the other test
/// assemblies running beside them. Give the file to every node of the cluster: the split-brain
/// resolver needs the same settings everywhere (hocon/cluster.conf).
/// </summary>
internal static class QuickDetection
{
    public const string Hocon =
        "akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s\n" +
        "akka.cluster.split-brain-resolver.stable-after = 3s\n";

    /// <summary>Writes <see cref="Hocon"/> to <paramref name="directory"/>/quick-detection.conf and returns its path, for `--profile` or `--config`.</summary>
    public static string Write(string directory)
    {
        string path = Path.Combine(directory, "quick-detection.conf");
        File.WriteAllText(path, Hocon);
        return path;
    }
}
