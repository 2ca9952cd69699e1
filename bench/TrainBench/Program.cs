using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using CyclicActors.Bench.TrainBench;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

// Training throughput of one preset on the CPU backend: one worker, one stage, SGD, one thread
// (the CPU backend is single-threaded by construction). W warm-up steps, then T timed steps cut
// into blocks of K steps; samples/s per block and their median. See bench/run-train-bench.sh.
var options = Options.Parse(args);
if (options is null)
{
    return 2;
}

var dataset = options.Data switch
{
    "mnist" => MnistReader.LoadSplit(options.DataDir ?? FindMnist(), MnistSplit.Train),
    "synthetic" => SyntheticDataset.Create(ModelPresets.Mnist, MnistReader.ClassCount, 60_000, options.Seed),
    _ => throw new ArgumentException($"--data must be mnist or synthetic, not '{options.Data}'."),
};

var model = ModelPresets.Create(options.Model, dataset.SampleShape, dataset.ClassCount);
var partition = new StagePartition([model.Layers.Count], model.Layers.Count);
var layout = new ParameterLayout(model, partition);
var initial = ParameterInitializer.Initialize(model, layout, options.Seed);
int totalSteps = options.Warmup + options.Steps;
var order = new DataOrder(options.Seed, dataset.Count, options.Batch, workers: 1);
IMicroBatchSource source = new DatasetMicroBatchSource(dataset, order);
TimingSource? timedSource = options.Profile ? new TimingSource(source) : null;
source = timedSource ?? source;
var config = new TrainingConfig
{
    Model = options.Model,
    Stages = 1,
    Partition = model.Layers.Count.ToString(CultureInfo.InvariantCulture),
    Workers = 1,
    MicroBatch = options.Batch,
    Epochs = (totalSteps / order.StepsPerEpoch) + 1,
    MaxSteps = totalSteps,
    LearningRate = 0.05f,
    Momentum = 0.9f,
    Seed = options.Seed,
};

using var cpu = new CpuBackend();
TimingBackend? timing = options.Profile ? new TimingBackend(cpu) : null;
IComputeBackend backend = timing is null ? cpu : timing;
var trainer = new ReferenceTrainer(config, model, partition, backend);

var elapsed = new double[totalSteps];
var cpuSeconds = new double[totalSteps];
var losses = new float[totalSteps];
long allocatedAtStart = 0;
long faultsAtStart = 0;
int[] collectionsAtStart = [0, 0, 0];
double timedStart = 0;
var outcome = trainer.Train(source, initial, m =>
{
    elapsed[m.Step] = m.ElapsedSeconds;
    cpuSeconds[m.Step] = ThreadCpu.Seconds();
    losses[m.Step] = m.Loss;
    if (m.Step == options.Warmup - 1)
    {
        timing?.Reset();
        timedSource?.Reset();
        allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        faultsAtStart = MinorFaults();
        collectionsAtStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        timedStart = m.ElapsedSeconds;
    }
});

if (outcome.Steps != totalSteps)
{
    Console.Error.WriteLine($"Trained {outcome.Steps} steps, expected {totalSteps}.");
    return 1;
}

long allocatedInTimed = GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
double faultsPerStep = (double)(MinorFaults() - faultsAtStart) / options.Steps;
int[] collections = [GC.CollectionCount(0) - collectionsAtStart[0], GC.CollectionCount(1) - collectionsAtStart[1], GC.CollectionCount(2) - collectionsAtStart[2]];
double timedSeconds = elapsed[totalSteps - 1] - timedStart;

var blocks = new List<double>();
for (int first = options.Warmup; first + options.Block <= totalSteps; first += options.Block)
{
    double start = elapsed[first - 1];
    double end = elapsed[first + options.Block - 1];
    blocks.Add(options.Block * options.Batch / (end - start));
}

var cpuBlocks = new List<double>();
for (int first = options.Warmup; first + options.Block <= totalSteps; first += options.Block)
{
    cpuBlocks.Add(options.Block * options.Batch / (cpuSeconds[first + options.Block - 1] - cpuSeconds[first - 1]));
}

double median = Median(blocks);
var result = new JsonObject
{
    ["impl"] = "cyclicactors",
    ["backend"] = backend.Name,
    ["model"] = options.Model,
    ["data"] = dataset.Name,
    ["batch"] = options.Batch,
    ["threads"] = 1,
    ["optimizer"] = "SGD lr=0.05 momentum=0.9",
    ["warmup_steps"] = options.Warmup,
    ["timed_steps"] = options.Steps,
    ["block_steps"] = options.Block,
    ["samples_per_s_blocks"] = new JsonArray(blocks.Select(b => (JsonNode)Math.Round(b, 1)).ToArray()),
    ["median_samples_per_s"] = Math.Round(median, 1),
    ["timed_mean_samples_per_s"] = Math.Round(options.Steps * options.Batch / timedSeconds, 1),
    ["cpu_samples_per_s_blocks"] = new JsonArray(cpuBlocks.Select(b => (JsonNode)Math.Round(b, 1)).ToArray()),
    ["median_cpu_samples_per_s"] = Math.Round(Median(cpuBlocks), 1),
    ["loss_first"] = losses[0],
    ["loss_last"] = losses[^1],
    ["allocated_bytes_per_step"] = allocatedInTimed / options.Steps,
    ["minor_faults_per_step"] = Math.Round(faultsPerStep, 1),
    ["gc_collections_gen0_1_2"] = new JsonArray(collections.Select(c => (JsonNode)c).ToArray()),
    ["runtime"] = RuntimeInformation.FrameworkDescription,
    ["server_gc"] = GCSettings.IsServerGC,
    ["env"] = new JsonObject
    {
        ["DOTNET_TieredPGO"] = Environment.GetEnvironmentVariable("DOTNET_TieredPGO"),
        ["DOTNET_TieredCompilation"] = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation"),
        ["DOTNET_GCgen0size"] = Environment.GetEnvironmentVariable("DOTNET_GCgen0size"),
    },
    ["vector512_hw"] = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
    ["vector256_hw"] = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated,
};

if (timing is not null)
{
    double timedCpuSeconds = cpuSeconds[totalSteps - 1] - cpuSeconds[options.Warmup - 1];
    bool cpuClock = ThreadCpu.UseCpuClock && ThreadCpu.IsAvailable;
    result["profile"] = Breakdown(timing, timedSource!, cpuClock ? timedCpuSeconds : timedSeconds, cpuClock, options.Steps);
}

string json = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
if (options.Json is not null)
{
    File.WriteAllText(options.Json, json + "\n");
}

Console.WriteLine(json);
return 0;

static JsonObject Breakdown(TimingBackend timing, TimingSource data, double timedSeconds, bool cpuClock, int steps)
{
    const double tick = 1e-9;
    // Each measured interval is charged one clock read's cost; take it out (it shows up in "rest").
    double overhead = timing.CalibratedOverheadNanoseconds * tick;
    double Adjusted((long Ticks, long Calls) t) => Math.Max(0, (t.Ticks * tick) - (t.Calls * overhead));
    double inBackend = timing.Totals.Values.Sum(Adjusted);
    var methods = new JsonArray();
    foreach (var (name, (ticks, calls)) in timing.Totals.OrderByDescending(kv => Adjusted(kv.Value)))
    {
        double seconds = Adjusted((ticks, calls));
        methods.Add(new JsonObject
        {
            ["method"] = name,
            ["kind"] = KindOf(name),
            ["calls_per_step"] = Math.Round((double)calls / steps, 2),
            ["ms_per_step"] = Math.Round(seconds * 1000 / steps, 4),
            ["share"] = Math.Round(seconds / timedSeconds, 4),
        });
    }

    var kinds = new JsonObject();
    foreach (var group in timing.Totals.GroupBy(kv => KindOf(kv.Key)).OrderByDescending(g => g.Sum(kv => Adjusted(kv.Value))))
    {
        double seconds = group.Sum(kv => Adjusted(kv.Value));
        kinds[group.Key] = new JsonObject
        {
            ["ms_per_step"] = Math.Round(seconds * 1000 / steps, 4),
            ["share"] = Math.Round(seconds / timedSeconds, 4),
        };
    }

    double dataSeconds = Math.Max(0, (data.Ticks * tick) - (data.Calls * overhead));
    kinds["data (batch assembly on the host)"] = new JsonObject
    {
        ["ms_per_step"] = Math.Round(dataSeconds * 1000 / steps, 4),
        ["share"] = Math.Round(dataSeconds / timedSeconds, 4),
    };
    double outside = timedSeconds - inBackend - dataSeconds;
    kinds[cpuClock ? "rest (layers, pass and trainer bookkeeping, profiler clock reads)" : "rest (bookkeeping, clock reads, time descheduled outside measured calls)"] = new JsonObject
    {
        ["ms_per_step"] = Math.Round(outside * 1000 / steps, 4),
        ["share"] = Math.Round(outside / timedSeconds, 4),
    };

    return new JsonObject
    {
        ["clock"] = cpuClock ? "thread CPU time (clock_gettime CLOCK_THREAD_CPUTIME_ID)" : "wall (Stopwatch)",
        ["step_ms"] = Math.Round(timedSeconds * 1000 / steps, 4),
        ["clock_read_ns"] = timing.CalibratedOverheadNanoseconds,
        ["measured_intervals_per_step"] = Math.Round((double)(timing.Totals.Values.Sum(t => t.Calls) + data.Calls) / steps, 1),
        ["by_kind"] = kinds,
        ["by_method"] = methods,
    };
}

static string KindOf(string method) => method switch
{
    _ when method.StartsWith("Conv2d", StringComparison.Ordinal) => "conv",
    _ when method.StartsWith("Dense", StringComparison.Ordinal) => "dense",
    _ when method.StartsWith("Relu", StringComparison.Ordinal) => "relu",
    _ when method.StartsWith("MaxPool", StringComparison.Ordinal) => "maxpool",
    "SoftmaxCrossEntropy" => "loss",
    "SgdStep" or "Copy" or "Axpy" or "Scale" or "Fill" => "optimizer (SGD + gradient fold)",
    "Upload" or "Download" => "host transfer",
    "Allocate" => "allocate (pool)",
    _ => "other",
};

// Process-wide minor page faults (field 10 of /proc/self/stat); -1 where unavailable.
static long MinorFaults()
{
    try
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture); // fields after "(comm) ": state=0, ..., minflt=7
    }
    catch (IOException)
    {
        return -1;
    }
}

static double Median(List<double> values)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    var sorted = values.Order().ToArray();
    int mid = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

static string FindMnist()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "mnist");
            if (File.Exists(Path.Combine(candidate, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(candidate, "train-images-idx3-ubyte")))
            {
                return candidate;
            }
        }
    }

    throw new DirectoryNotFoundException("data/mnist not found above the working directory; pass --data-dir.");
}

internal sealed record Options(string Model, int Batch, int Warmup, int Steps, int Block, string Data, string? DataDir, string? Json, bool Profile, ulong Seed)
{
    public static Options? Parse(string[] args)
    {
        var o = new Options("cnn", 64, 20, 200, 10, "mnist", null, null, false, 1);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--model": o = o with { Model = Next() }; break;
                case "--batch": o = o with { Batch = NextInt() }; break;
                case "--warmup": o = o with { Warmup = NextInt() }; break;
                case "--steps": o = o with { Steps = NextInt() }; break;
                case "--block": o = o with { Block = NextInt() }; break;
                case "--data": o = o with { Data = Next() }; break;
                case "--data-dir": o = o with { DataDir = Next() }; break;
                case "--json": o = o with { Json = Next() }; break;
                case "--profile": o = o with { Profile = true }; break;
                case "--profile-clock":
                    ThreadCpu.UseCpuClock = Next() switch
                    {
                        "cpu" => true,
                        "wall" => false,
                        var other => throw new ArgumentException($"--profile-clock must be cpu or wall, not '{other}'."),
                    };
                    break;
                case "--seed": o = o with { Seed = ulong.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                default:
                    Console.Error.WriteLine("usage: trainbench [--model cnn|mlp] [--batch 64] [--warmup 20] [--steps 200] [--block 10] [--data mnist|synthetic] [--data-dir DIR] [--json FILE] [--profile [--profile-clock wall|cpu]] [--seed 1]");
                    return null;
            }
        }

        if (o.Warmup < 1 || o.Steps < o.Block || o.Block < 1 || o.Batch < 1)
        {
            Console.Error.WriteLine("Need --warmup ≥ 1, --block ≥ 1 and --steps ≥ --block.");
            return null;
        }

        return o;
    }
}
