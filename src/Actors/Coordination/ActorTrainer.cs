using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using CyclicActors.Actors.Memory;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Runtime;
using CyclicActors.Actors.Schedule;
using CyclicActors.Actors.Settings;
using CyclicActors.Actors.Tracing;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Memory;
using CyclicActors.GpuCompute.Models;
using CyclicActors.GpuCompute.Training;

namespace CyclicActors.Actors.Coordination;

/// <summary>
/// The entry point of the CDP runtime in one process: N worker actors, L reducer actors and a
/// coordinator in an ActorSystem configured from the embedded hocon/reference.conf.
/// </summary>
public static class ActorTrainer
{
    private static int _runs;

    /// <summary>
    /// Trains on <paramref name="train"/> from <paramref name="initialParameters"/> (model order) with
    /// the actors, in a new ActorSystem that is shut down before this returns.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options (e.g. a CDP rule with N not dividing 2L).</exception>
    /// <exception cref="ConfigurationException">Invalid configuration; the message names the key.</exception>
    /// <exception cref="NonFiniteLossException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was signalled.</exception>
    public static ActorTrainingResult Run(ActorTrainingOptions options, Dataset train, float[] initialParameters, Action<StepMetrics>? onStep = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var overrides = options.ConfigOverrides is null ? null : ConfigurationFactory.ParseString(options.ConfigOverrides);
        var config = CyclicSettings.WithFallbackToReference(overrides);
        var settings = CyclicSettings.From(config);
        var plan = TrainingPlan.Create(options, train, initialParameters);
        var system = ActorSystem.Create(settings.SystemName, config);
        try
        {
            return RunSkippingAsync(system, settings, options, train, initialParameters, onStep, cancel).GetAwaiter().GetResult();
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>
    /// Runs in an existing system whose configuration includes the reference configuration (tests
    /// use the TestKit's, with serialize-messages on). Children are stopped before this completes.
    /// </summary>
    internal static Task<ActorTrainingResult> RunAsync(ActorSystem system, ActorTrainingOptions options, Dataset train, float[] initialParameters, Action<StepMetrics>? onStep = null, CancellationToken cancel = default)
    {
        var settings = CyclicSettings.From(system.Settings.Config);
        return RunSkippingAsync(system, settings, options, train, initialParameters, onStep, cancel);
    }

    /// <summary>How often a run that skips non-finite steps takes a cut to roll back to, when it takes none otherwise.</summary>
    public const int SkipCutEvery = 10;

    /// <summary>How many steps one run may skip before a non-finite value stops it after all.</summary>
    public const int MaxSkippedSteps = 10;

    /// <summary>
    /// One process, --on-nonfinite skip: the run keeps its newest cuts in memory; when a step's loss,
    /// gradient or update is NaN or infinite it rolls back to the newest cut at or before that step and
    /// trains again with the step skipped by every stage (<see cref="ActorTrainingOptions.SkippedSteps"/>),
    /// so the result is the run given those steps to skip from the start, bitwise. Cuts and step
    /// metrics the first attempt delivered are not delivered again (the second attempt repeats them exactly).
    /// </summary>
    private static async Task<ActorTrainingResult> RunSkippingAsync(ActorSystem system, CyclicSettings settings, ActorTrainingOptions options, Dataset train,
        float[] initialParameters, Action<StepMetrics>? onStep, CancellationToken cancel)
    {
        if (options.OnNonFinite != NonFiniteAction.Skip)
        {
            return await RunAsync(system, settings, TrainingPlan.Create(options, train, initialParameters), onStep, cancel).ConfigureAwait(false);
        }

        var userOnCut = options.OnCut;
        var cuts = new List<TrainingCut>();
        var (cutsDelivered, stepsReported) = (-1, -1);
        var attempt = options with
        {
            CutEvery = options.CutEvery > 0 ? options.CutEvery : SkipCutEvery,
            OnCut = cut =>
            {
                lock (cuts)
                {
                    cuts.Add(cut);
                    if (cut.Step <= cutsDelivered)
                    {
                        return;
                    }

                    cutsDelivered = cut.Step;
                }

                userOnCut?.Invoke(cut);
            },
        };
        void Report(StepMetrics metrics)
        {
            if (metrics.Step > Volatile.Read(ref stepsReported))
            {
                Volatile.Write(ref stepsReported, metrics.Step);
                onStep?.Invoke(metrics);
            }
        }

        while (true)
        {
            try
            {
                return await RunAsync(system, settings, TrainingPlan.Create(attempt, train, initialParameters), Report, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (NonFiniteActionNames.StepOf(e) is { } step && !attempt.SkippedSteps.Contains(step) && attempt.SkippedSteps.Count < MaxSkippedSteps)
            {
                TrainingCut? rollBackTo;
                lock (cuts)
                {
                    rollBackTo = cuts.Where(cut => cut.Step <= step).MaxBy(cut => cut.Step) ?? options.Resume;
                }

                system.Log.Warning("{0} --on-nonfinite skip: the run rolls back to step {1} and trains again with step {2} skipped by every stage.", e.Message, rollBackTo?.Step ?? 0, step);
                attempt = attempt with { Resume = rollBackTo, SkippedSteps = new HashSet<int>(attempt.SkippedSteps) { step } };
            }
        }
    }

    /// <summary>
    /// Cluster hook: runs the coordinator in <paramref name="system"/> (the seed) over workers and
    /// reducers already placed on member nodes; <paramref name="onCoordinatorStarted"/> gets the
    /// coordinator so that members can be told where to report.
    /// </summary>
    internal static Task<ActorTrainingResult> RunPlacedAsync(ActorSystem system, ActorTrainingOptions options, Dataset train, float[] initialParameters,
        CoordinatorPlacement placement, Action<IActorRef> onCoordinatorStarted, Action<StepMetrics>? onStep, CancellationToken cancel)
    {
        var settings = CyclicSettings.From(system.Settings.Config);
        return RunAsync(system, settings, TrainingPlan.Create(options, train, initialParameters), onStep, cancel, placement, onCoordinatorStarted);
    }

    private static async Task<ActorTrainingResult> RunAsync(ActorSystem system, CyclicSettings settings, TrainingPlan plan, Action<StepMetrics>? onStep, CancellationToken cancel,
        CoordinatorPlacement? placement = null, Action<IActorRef>? onCoordinatorStarted = null)
    {
        var options = plan.Options;
        var processLedger = new MemoryLedger();
        var trace = options.TracePath is null ? null : new TraceRecorder();
        var completion = new TaskCompletionSource<CoordinatorReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        CoordinatorReport report;
        long wallClockPeak;
        long? reservedPeak;
        long? deviceUsedPeak;
        // What the pool holds already (an earlier run's cache) is not this run's: the high-water starts here.
        options.DevicePool?.ResetPeak();
        using (var sampler = new ActivationSampler(processLedger, settings.MemorySampleInterval, trace, options.DevicePool))
        {
            var setup = new CoordinatorSetup(plan, settings, processLedger, sampler, trace, onStep, completion, placement);
            var coordinator = system.ActorOf(Props.Create(() => new TrainingCoordinator(setup)), $"{ActorNames.Coordinator}-{Interlocked.Increment(ref _runs)}");
            onCoordinatorStarted?.Invoke(coordinator);
            try
            {
                using var registration = cancel.Register(() => completion.TrySetCanceled(cancel));
                report = await completion.Task.ConfigureAwait(false);
            }
            finally
            {
                // Waits for the children's PostStop, which disposes the workers' backends.
                await StopQuietly(coordinator, settings.FinalStateTimeout).ConfigureAwait(false);
            }

            sampler.Sample();
            wallClockPeak = sampler.Peak;
            reservedPeak = options.DevicePool?.ReservedPeakBytes;
            deviceUsedPeak = sampler.DeviceUsedPeak;
        }

        var stageParameters = report.Stages.OrderBy(s => s.Stage).ToArray();
        var outcome = TrainingOutcome.AfterSteps(
            stageParameters.SelectMany(s => s.Parameters).ToArray(),
            stageParameters.Select(s => s.Momentum).ToArray(),
            plan.TotalSteps,
            plan.Order.StepsPerEpoch,
            report.FinalLoss,
            report.WallSeconds,
            plan.Order.GlobalBatch,
            processLedger.PeakBytes(MemoryTag.Activations),
            plan.FirstStep);
        var activations = ActivationProfile.Build(plan.Schedule, plan.TotalSteps, plan.PerStageActivationBytes,
            [.. report.Workers.Select(worker => (worker.Ticks, worker.ActivationPeakBytes)), .. report.Devices.Select(device => (device.Ticks, device.ActivationPeakBytes))], wallClockPeak);
        if (options.TracePath is not null)
        {
            trace!.WriteJson(options.TracePath);
        }

        return new ActorTrainingResult(outcome, activations, report.Workers.Sum(w => w.VersionViolations), report.Workers.Sum(w => w.LookaheadOps) + report.Devices.Sum(d => d.LookaheadOps), options.TracePath)
        {
            ReservedPeakBytes = reservedPeak,
            DeviceUsedPeakBytes = deviceUsedPeak,
            SkippedSteps = [.. options.SkippedSteps.Order()],
            Contributions = ContributionCounts.From(report.Stages, plan.Schedule.Workers, plan.TotalSteps - plan.FirstStep),
            LedgerPeakBytes = Enum.GetValues<MemoryTag>().ToDictionary(tag => tag, processLedger.PeakBytes),
            Parameters = ParameterTraffic.From(report.Workers),
            Devices = [.. report.Devices.OrderBy(device => device.Device).Select(device => StageDeviceUse.From(device, plan))],
        };
    }

    private static async Task StopQuietly(IActorRef coordinator, TimeSpan timeout)
    {
        try
        {
            await coordinator.GracefulStop(timeout).ConfigureAwait(false);
        }
        catch (TaskCanceledException)
        {
            // The coordinator did not stop in time; the system's shutdown will stop it.
        }
    }
}
