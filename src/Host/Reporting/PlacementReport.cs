using System.Globalization;
using CyclicActors.Actors.Coordination;
using CyclicActors.Actors.Planning;

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
}
