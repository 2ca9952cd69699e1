namespace CyclicActors.Host;

internal static class Program
{
    public static int Main(string[] args) => args.FirstOrDefault() switch
    {
        "selftest-gpu" => GpuVerbs.SelfTest(args[1..]),
        "bench-gpu" => GpuVerbs.Benchmark(args[1..]),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("usage: cyclic selftest-gpu [--device N] [--allow-tf32]");
        Console.Error.WriteLine("       cyclic bench-gpu [--device N] [--allow-tf32] [--batch 32,128] [--iterations 20] [--peak-gemm 4096] [--json path]");
        return 64;
    }
}
