using System.Diagnostics;
using System.Globalization;
using CyclicActors.Bench.CnnProfile;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Cpu;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

// Single-thread training step of the cnn preset (batch 64, SGD momentum) on MNIST-shaped random
// data with the CPU backend. Phase 1 times whole steps (thread CPU time and wall time) without any
// wrapper; phase 2 times each IComputeBackend method through a delegating wrapper. Medians over steps.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
int steps = Arg("--steps", 40), warmup = Arg("--warmup", 5), batch = Arg("--batch", 64);
string preset = ArgString("--model", "cnn");

var model = ModelPresets.Create(preset, ModelPresets.Mnist);
var partition = new StagePartition([model.Layers.Count], model.Layers.Count);
var layout = new ParameterLayout(model, partition);
float[] initial = ParameterInitializer.Initialize(model, layout, seed: 3);
var random = new DeterministicRandom(17);
float[] pixels = Enumerable.Range(0, batch * model.InputShape.Elements).Select(_ => random.Uniform(0f, 1f)).ToArray();
float[] oneHot = new float[batch * model.Classes];
for (int i = 0; i < batch; i++)
{
    oneHot[(i * model.Classes) + random.NextInt(model.Classes)] = 1;
}

var hyper = new SgdHyperParameters(0.01f, 0.9f, 0f);
Console.WriteLine($"model {preset} ({string.Join(", ", model.Layers.Select(l => l.Description))}), batch {batch}, {steps} timed steps after {warmup} warm-up, single thread");
Console.WriteLine($"runtime {Environment.Version}, AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, load average {LoadAverage()}");

// Phase 1: whole steps, no wrapper.
var cpuBackend = new CpuBackend();
var (stepCpu, stepWall, checksum) = Run(cpuBackend, null);
Console.WriteLine($"checksum of the parameters after {warmup + steps} steps: {checksum}");
Console.WriteLine($"step: median CPU {Median(stepCpu) * 1e3:F2} ms (min {stepCpu.Min() * 1e3:F2}), median wall {Median(stepWall) * 1e3:F2} ms");
Console.WriteLine($"samples/s: {batch / Median(stepCpu):F0} by median CPU time, {batch / stepCpu.Min():F0} by min CPU time, {batch / Median(stepWall):F0} by median wall time");

// Phase 2: per method.
var profiler = new ProfilingBackend(new CpuBackend());
var perMethod = new Dictionary<string, List<(double Cpu, double Wall, int Calls)>>();
Run(profiler, () =>
{
    foreach (var (name, t) in profiler.Tally)
    {
        (perMethod.TryGetValue(name, out var list) ? list : perMethod[name] = []).Add(t);
    }

    profiler.Reset();
});
Console.WriteLine();
Console.WriteLine("| method | calls/step | median CPU ms/step | median wall ms/step |");
Console.WriteLine("|---|---:|---:|---:|");
double total = 0;
foreach (var (name, list) in perMethod.OrderByDescending(kv => Median(kv.Value.Select(t => t.Cpu).ToList())))
{
    double cpu = Median(list.Select(t => t.Cpu).ToList());
    total += cpu;
    Console.WriteLine($"| {name} | {list[0].Calls} | {cpu * 1e3:F2} | {Median(list.Select(t => t.Wall).ToList()) * 1e3:F2} |");
}

Console.WriteLine($"| sum of medians | | {total * 1e3:F2} | |");
return;

(List<double> Cpu, List<double> Wall, string Checksum) Run(IComputeBackend backend, Action? afterStep)
{
    using var replica = new ModelReplica(model, partition, backend);
    replica.SetAllParameters(initial);
    using var optimizer = new StageOptimizer(backend, layout.StageSizes[0], 1);
    using var input = backend.Allocate(pixels.Length, MemoryTag.Data);
    using var labels = backend.Allocate(oneHot.Length, MemoryTag.Data);
    backend.Upload(pixels, input);
    backend.Upload(oneHot, labels);
    var cpu = new List<double>();
    var wall = new List<double>();
    for (int step = 0; step < warmup + steps; step++)
    {
        double cpuStart = ThreadClock.Now();
        long wallStart = Stopwatch.GetTimestamp();
        using (var pass = replica.BeginPass(input, labels, batch))
        {
            pass.Forward(0);
            pass.Backward(0);
            optimizer.Accumulate(0, replica.StageGradients(0));
            optimizer.Apply(replica.StageParameters(0), hyper);
        }

        if (step >= warmup)
        {
            cpu.Add(ThreadClock.Now() - cpuStart);
            wall.Add(Stopwatch.GetElapsedTime(wallStart).TotalSeconds);
            afterStep?.Invoke();
        }
        else if (backend is ProfilingBackend p)
        {
            p.Reset();
        }
    }

    float[] final = replica.GetAllParameters();
    ulong hash = 14695981039346656037;
    foreach (float v in final)
    {
        hash = (hash ^ (uint)BitConverter.SingleToInt32Bits(v)) * 1099511628211;
    }

    return (cpu, wall, hash.ToString("X16"));
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

int Arg(string name, int fallback) => int.Parse(ArgString(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

string ArgString(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
