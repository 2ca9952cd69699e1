using System.Globalization;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;
using CyclicActors.Actors.Schedule;
using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.Host.Reporting;

/// <summary>What the placement did, for the summary and the console: the model placement's devices, or the workers' parameter traffic (docs/placements.md).</summary>
internal static class PlacementReport
{
    public static void Add(Parallelism parallelism, ActorTrainingResult result, Dictionary<string, object?> summary)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(summary);
        summary["parallelism"] = parallelism.ToCliName();
        if (parallelism == Parallelism.Model)
        {
            summary["stage_devices"] = result.Devices.Select(device => new Dictionary<string, object?>
            {
                ["device"] = device.Device,
                ["stages"] = device.Stages,
                ["peak_ops_per_tick"] = device.PeakOpsPerTick,
                ["tick_busy_fraction"] = Math.Round(device.TickBusyFraction, 4),
                ["wall_clock_busy_fraction"] = Math.Round(device.BusyFraction, 4),
                ["activation_peak_bytes"] = device.MeasuredActivationPeakBytes,
                ["predicted_activation_peak_bytes"] = device.PredictedActivationPeakBytes,
                ["parameter_peak_bytes"] = device.ParameterPeakBytes,
            }).ToArray();
            foreach (var device in result.Devices)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"stage device {device.Device} (stages {string.Join(",", device.Stages)}): an op at {device.TickBusyFraction:P0} of its ticks ({device.PeakOpsPerTick} per tick at most), busy {device.BusyFraction:P0} of its wall-clock span, activations peak {device.MeasuredActivationPeakBytes:N0} bytes (predicted {device.PredictedActivationPeakBytes:N0}), parameters peak {device.ParameterPeakBytes:N0}"));
            }

            return;
        }

        var traffic = result.Parameters;
        summary["parameter_traffic"] = new Dictionary<string, object?>
        {
            ["worker_parameter_peak_bytes"] = traffic.WorkerPeakBytes,
            ["from_owner_bytes"] = traffic.FromOwnerBytes,
            ["from_rank_bytes"] = traffic.FromRankBytes,
            ["total_bytes"] = traffic.TotalBytes,
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"parameters ({parallelism.ToCliName()} placement): {traffic.FromOwnerBytes.Sum():N0} bytes from the stage owners, {traffic.FromRankBytes.Sum(row => row.Sum()):N0} worker to worker; a worker's parameter high-water {traffic.WorkerPeakBytes.DefaultIfEmpty(0).Max():N0} bytes"));
    }

    /// <summary>
    /// The schedule's predictions beside what a run measured (bench-train): under model, the devices
    /// used against the N·L that model parallelism with DP's timing needs; under data and ZeRO, the
    /// workers' parameter bytes held at once (ZeRO holds stage j from F_j through B_j, the activations'
    /// interval, so the activation profile with parameter bytes predicts it) and the bytes per link.
    /// </summary>
    public static void AddPredictions(Parallelism parallelism, ActorTrainingResult result, TrainingPlan plan, Dictionary<string, object?> figures)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(figures);
        var schedule = plan.Schedule;
        if (parallelism == Parallelism.Model)
        {
            figures["stage_devices_used"] = plan.ModelPlacement.Devices.Count;
            figures["unit_devices"] = plan.ModelPlacement.UnitDevices;
            figures["unit_devices_with_dp_timing"] = ModelPlacement.Plan(CdpSchedule.Create(schedule.Workers, schedule.Stages, UpdateRule.Dp)).UnitDevices;
            return;
        }

        long[] stageBytes = [.. plan.InitialStageParameters.Select(stage => (long)stage.Length * sizeof(float))];
        long model = stageBytes.Sum();
        var zero = parallelism == Parallelism.Zero;
        figures["predicted_worker_parameter_peak_bytes"] = zero
            ? Enumerable.Range(0, schedule.Workers).Max(rank => schedule.PredictedPeakActivationBytes(stageBytes, plan.TotalSteps, [rank]))
            : model;
        // The reducers' masters (one model, Parameters-tagged, held throughout) are the rest of the process's parameter bytes.
        figures["workers_parameter_peak_sum_bytes"] = result.LedgerPeakBytes.GetValueOrDefault(MemoryTag.Parameters) - model;
        figures["predicted_workers_parameter_peak_sum_bytes"] = zero ? schedule.PredictedPeakActivationBytes(stageBytes, plan.TotalSteps) : schedule.Workers * model;
        figures["owner_bytes"] = result.Parameters.FromOwnerBytes.Sum();
        figures["worker_to_worker_bytes"] = result.Parameters.FromRankBytes.Sum(row => row.Sum());
        if (zero)
        {
            var batons = new ZeroBatonPlan(schedule);
            var scale = plan.Compensation == Actors.Compensation.DelayCompensation.Lookahead ? 2 : 1;
            var links = Enumerable.Range(plan.FirstStep, plan.TotalSteps - plan.FirstStep).SelectMany(step => batons.LinkBytes(step, [.. stageBytes.Select(bytes => bytes * scale)])).ToArray();
            figures["predicted_owner_bytes"] = links.Where(link => link.Key.From is null).Sum(link => link.Value);
            figures["predicted_worker_to_worker_bytes"] = links.Where(link => link.Key.From is not null).Sum(link => link.Value);
        }
    }
}
