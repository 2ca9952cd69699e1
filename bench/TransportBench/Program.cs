using CyclicActors.Bench.Transport;

// Tensor throughput between two OS processes on 127.0.0.1: raw TCP, chunked Akka.Remote and a
// dedicated tensor channel. The driver starts the receiver process itself ("receive" mode).
try
{
    if (args.Length > 0 && args[0] == "receive")
    {
        var options = BenchOptions.Parse(args[1..]);
        return await ReceiverProcess.RunAsync(options, options.SeedAddress ?? throw new ArgumentException("receive needs --seed."));
    }

    return await DriverProcess.RunAsync(BenchOptions.Parse(args), args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Usage: TransportBench [--payload-mib 64] [--chunk-kib 1024] [--windows 2,4,8] [--reps 5] [--out bench/results]");
    return 2;
}
