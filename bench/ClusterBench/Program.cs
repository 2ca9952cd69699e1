using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CyclicActors.Bench.Cluster;

// DP vs CDP step time across 3 processes (seed + 2 members) with and without a throttled link
// between the members, and how much of the gradient/parameter traffic overlaps compute.
if (args.Length == 3 && args[0] == "member")
{
    return await MemberMode.RunAsync(args[1], long.Parse(args[2], CultureInfo.InvariantCulture));
}

var bytesPerSecond = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 4_000_000;
var scenarios = await DriverMode.RunAsync(["dp", "cdp-v2"], bytesPerSecond);
var perStep = DriverMode.BytesPerStepEachWay();
var transferSeconds = (double)perStep / bytesPerSecond;
double Exposed(string rule) =>
    Math.Max(0, scenarios.Single(s => s.Rule == rule && s.BytesPerSecond > 0).MedianStepSeconds - scenarios.Single(s => s.Rule == rule && s.BytesPerSecond == 0).MedianStepSeconds);
var rows = scenarios.Where(s => s.BytesPerSecond > 0).Select(throttled => new
{
    rule = throttled.Rule,
    freeStepSeconds = scenarios.Single(s => s.Rule == throttled.Rule && s.BytesPerSecond == 0).MedianStepSeconds,
    throttledStepSeconds = throttled.MedianStepSeconds,
    exposedCommunicationSeconds = Exposed(throttled.Rule),
}).ToArray();

// The share of the communication DP leaves exposed that CDP hides behind compute.
var hiddenByCdp = Exposed("dp") > 0 ? Math.Clamp((Exposed("dp") - Exposed("cdp-v2")) / Exposed("dp"), -1, 1) : 0;

var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
var directory = Path.Combine("bench", "results");
Directory.CreateDirectory(directory);
var command = "dotnet run -c Release --project bench/ClusterBench -- " + string.Join(' ', args);
var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
File.WriteAllText(Path.Combine(directory, $"cluster-dp-vs-cdp-{stamp}.json"), JsonSerializer.Serialize(new
{
    command,
    machine = new { Environment.ProcessorCount, os = RuntimeInformation.OSDescription, runtime = RuntimeInformation.FrameworkDescription, loadAverage = load },
    config = DriverMode.Config,
    bytesPerSecond,
    bytesPerStepEachWay = perStep,
    transferSecondsPerStep = transferSeconds,
    scenarios,
    rows,
    cdpHidesShareOfDpExposedCommunication = hiddenByCdp,
}, new JsonSerializerOptions { WriteIndented = true }));

var md = new StringBuilder();
md.AppendLine(CultureInfo.InvariantCulture, $"# DP vs CDP across 3 processes, member link throttled ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`");
md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores (shared, load average {load}), {RuntimeInformation.FrameworkDescription}. Seed (coordinator) + 2 member processes with 2 workers each on 127.0.0.1; cnn, N = 4, L = 4, micro-batch {DriverMode.Config.MicroBatch}, {DriverMode.Config.MaxSteps} steps (median over steps 3..{DriverMode.Config.MaxSteps - 1}); reducers alternate between the members.");
md.AppendLine(CultureInfo.InvariantCulture, $"Throttle: {bytesPerSecond / 1e6:0.0} MB/s each way between the members (Akka.Remote throttler adapter). Traffic crossing that link: {perStep / 1e6:0.00} MB per step each way (gradients to and parameters from the other member's reducers), i.e. {transferSeconds:0.000} s per step at that rate.");
md.AppendLine();
md.AppendLine("| Rule | Step, free link (s) | Step, throttled (s) | Exposed communication (s/step) |");
md.AppendLine("|---|---|---|---|");
foreach (var row in rows)
{
    md.AppendLine(CultureInfo.InvariantCulture, $"| {row.rule} | {row.freeStepSeconds:0.000} | {row.throttledStepSeconds:0.000} | {row.exposedCommunicationSeconds:0.000} |");
}

md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"CDP-v2 hides {100 * hiddenByCdp:0} % of the communication time DP leaves exposed (exposed = throttled median step − free median step).");
md.AppendLine("Exposed time exceeds the nominal transfer time: the throttler delays every message, acknowledgements and tokens included, so the dependent hops of a step (gradient → reduction → publication → next forward) each wait behind the bucket. All step times: the JSON file.");
File.WriteAllText(Path.Combine(directory, $"cluster-dp-vs-cdp-{stamp}.md"), md.ToString());
Console.Write(md.ToString());
return 0;
