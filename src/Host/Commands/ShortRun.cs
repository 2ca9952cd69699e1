using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Host.Commands;

/// <summary>
/// What `cyclic plan --costs run` runs: a few steps of the real runtime on this machine, with as many
/// workers as one planned machine holds (at most <see cref="MaxWorkers"/>), under the first planned
/// CDP rule the runtime takes at that count, with its compensation, else DP.
/// </summary>
internal sealed record ShortRun(int Workers, UpdateRule Rule, DelayCompensation Compensation, int Steps)
{
    /// <summary>More workers than this on one machine only add their sharing, which the trace reading takes back out.</summary>
    public const int MaxWorkers = 16;

    public const int DefaultSteps = 24;

    /// <param name="workers">The first planned case's workers.</param>
    /// <param name="machines">The first planned case's machines; the run has the workers of the fullest one.</param>
    public static ShortRun For(int workers, int machines, int stages, IReadOnlyList<UpdateRule> rules, DelayCompensation compensation, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(machines, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        int perMachine = Math.Min(MaxWorkers, (workers + machines - 1) / machines);
        // The look-ahead's spans come from a CDP run, which only runs at an N dividing 2L.
        UpdateRule? cdp = CdpSchedule.ValidWorkerCounts(stages).Contains(perMachine)
            ? rules.Where(rule => rule != UpdateRule.Dp).Cast<UpdateRule?>().FirstOrDefault()
            : null;
        return cdp is { } rule
            ? new ShortRun(perMachine, rule, compensation, steps)
            : new ShortRun(perMachine, UpdateRule.Dp, DelayCompensation.None, steps);
    }

    /// <summary>One line for the plan's header.</summary>
    public string Describe(string backend) =>
        $"a short run on this machine ({Rule.ToCliName()}{(Rule == UpdateRule.Dp ? string.Empty : $", {Compensation.ToCliName()}")}, {Workers} worker{(Workers == 1 ? string.Empty : "s")}, {Steps} steps, {backend})";

    /// <summary>Trains <see cref="Steps"/> steps on synthetic data of the model's input shape with a trace, and returns the trace's text.</summary>
    public string Record(TrainingConfig config, ModelDefinition model, StagePartition partition, BackendPlan backends)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(backends);
        var training = config with
        {
            Workers = Workers,
            MaxSteps = Steps,
            Epochs = 1_000_000,
            LearningRateSchedule = "constant",
        };
        var data = SyntheticDataset.Create(model.InputShape, model.Classes, Math.Max(training.GlobalBatch * 8, 1024), seed: 5);
        var initial = ParameterInitializer.Initialize(model, new ParameterLayout(model, partition), training.Seed);
        string directory = Directory.CreateTempSubdirectory("cyclic-plan-run-").FullName;
        try
        {
            string trace = Path.Combine(directory, "run.trace.json");
            ActorTrainer.Run(
                new ActorTrainingOptions
                {
                    Training = training, Rule = Rule, Compensation = Compensation, TracePath = trace,
                    BackendFactory = backends.CreateForRank, ReducerBackendFactory = backends.CreateHost, DevicePool = backends.DevicePool,
                },
                data, initial);
            return File.ReadAllText(trace);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
