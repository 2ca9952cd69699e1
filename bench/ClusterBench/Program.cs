using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CyclicActors.Bench.Cluster;

// DP vs CDP step time across 3 processes (seed + 2 members) with and without a bandwidth limit on
// the members' tensor links, and how much of the gradient/parameter traffic overlaps compute.
if (args.Length == 3 && args[0] == "member")
{
    return await MemberMode.RunAsync(args[1], long.Parse(args[2], CultureInfo.InvariantCulture));
}

var bytesPerSecond = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 4_000_000;
if (bytesPerSecond <= 0)
{
    Console.Error.WriteLine("Usage: ClusterBench [BYTES_PER_SECOND_PER_LINK > 0]");
    return 2;
}

string[] rules = ["dp", "cdp-v1", "cdp-v2", "cdp-v2:none"];
var scenarios = await DriverMode.RunAsync(rules, bytesPerSecond);
var perStep = (long)scenarios.Where(s => s.Rule == "dp").Average(s => s.BytesPerStepEachWay);
// Each direction between the members carries two links (gradients, parameters), each capped.
var transferSeconds = (double)perStep / (2 * bytesPerSecond);
double Exposed(string rule) =>
    Math.Max(0, scenarios.Single(s => s.Rule == rule && s.BytesPerSecond > 0).MedianStepSeconds - scenarios.Single(s => s.Rule == rule && s.BytesPerSecond == 0).MedianStepSeconds);
var rows = scenarios.Where(s => s.BytesPerSecond > 0).Select(throttled => new
{
    rule = throttled.Rule,
    freeStepSeconds = scenarios.Single(s => s.Rule == throttled.Rule && s.BytesPerSecond == 0).MedianStepSeconds,
    throttledStepSeconds = throttled.MedianStepSeconds,
    exposedCommunicationSeconds = Exposed(throttled.Rule),
    transferSeconds = throttled.Overlap.Sum(o => o.TransferSeconds),
    overlapShare = throttled.Overlap.Sum(o => o.TransferSeconds) > 0 ? throttled.Overlap.Sum(o => o.OverlappedSeconds) / throttled.Overlap.Sum(o => o.TransferSeconds) : 0,
    freeOverlapShare = scenarios.Single(s => s.Rule == throttled.Rule && s.BytesPerSecond == 0) is var free && free.Overlap.Sum(o => o.TransferSeconds) > 0
        ? free.Overlap.Sum(o => o.OverlappedSeconds) / free.Overlap.Sum(o => o.TransferSeconds) : 0,
}).ToArray();

// The share of the communication DP leaves exposed that each CDP rule hides behind compute.
double Hidden(string rule) => Exposed("dp") > 0 ? Math.Clamp((Exposed("dp") - Exposed(rule)) / Exposed("dp"), -1, 1) : 0;
var hiddenByCdp = rules.Skip(1).ToDictionary(rule => rule, Hidden);

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
md.AppendLine(CultureInfo.InvariantCulture, $"# DP vs CDP across 3 processes, member links capped ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`");
md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores (shared, load average {load}), {RuntimeInformation.FrameworkDescription}. Seed (coordinator) + 2 member processes with 2 workers each on 127.0.0.1; cnn, N = 4, L = 4, micro-batch {DriverMode.Config.MicroBatch}, {DriverMode.Config.MaxSteps} steps (median over steps 3..{DriverMode.Config.MaxSteps - 1}); reducers alternate between the members; tensors on the dedicated channel.");
md.AppendLine(CultureInfo.InvariantCulture, $"Limit: every member's tensor links capped at {bytesPerSecond / 1e6:0.0} MB/s each (`cyclic-actors.transport.bandwidth-limit`; two links, gradients and parameters, per direction). It paces tensor payload only; heartbeats, tokens and acks are not delayed. Traffic crossing between the members: {perStep / 1e6:0.00} MB per step each way, i.e. {transferSeconds:0.000} s per step at the cap.");
md.AppendLine();
md.AppendLine("| Rule | Step, free (s) | Step, capped (s) | Exposed communication (s/step) | Sending time, capped (s, both members) | Sending overlapped with compute, capped | Same, free |");
md.AppendLine("|---|---|---|---|---|---|---|");
foreach (var row in rows)
{
    md.AppendLine(CultureInfo.InvariantCulture, $"| {row.rule} | {row.freeStepSeconds:0.000} | {row.throttledStepSeconds:0.000} | {row.exposedCommunicationSeconds:0.000} | {row.transferSeconds:0.00} | {100 * row.overlapShare:0} % | {100 * row.freeOverlapShare:0} % |");
}

md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"Exposed communication = capped median step − free median step. Relative to DP's exposed time, {string.Join(" and ", hiddenByCdp.Select(pair => $"{pair.Key} hides {100 * pair.Value:0} %"))}.");
md.AppendLine("Overlap = the part of each member's link-sending time (union of its links' transfer spans in the merged trace) during which one of its workers ran a forward or backward op, summed over both members.");
md.AppendLine("All step times and per-member overlaps: the JSON file.");
File.WriteAllText(Path.Combine(directory, $"cluster-dp-vs-cdp-{stamp}.md"), md.ToString());
Console.Write(md.ToString());
return 0;
