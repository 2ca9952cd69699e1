using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Checkpoints;
using CyclicActors.GpuCompute.Data;
using CyclicActors.GpuCompute.Training;
using CyclicActors.Host.Cli;
using CyclicActors.Host.Commands;

namespace CyclicActors.Host;

internal static class Program
{
    private static readonly (string Name, string Summary)[] Commands =
    [
        ("train", TrainCommand.Summary),
        ("seed", SeedCommand.Summary),
        ("member", MemberCommand.Summary),
        ("evaluate", EvaluateCommand.Summary),
        ("schedule", ScheduleCommand.Summary),
        ("plan", PlanCommand.Summary),
        ("bench-train", BenchTrainCommand.Summary),
        ("selftest-gpu", GpuCommands.SelfTestSummary),
        ("bench-gpu", GpuCommands.BenchmarkSummary),
        ("certs", CertsCommand.Summary),
        ("plot", PlotCommand.Summary),
    ];

    /// <summary>Every command's flags, for shell completion (certs' two subcommands under their full names).</summary>
    private static IReadOnlyList<(string Command, IReadOnlyList<OptionSpec> Specs)> CommandSpecs =>
    [
        ("train", TrainOptions.Specs), ("seed", SeedCommand.Specs), ("member", MemberCommand.Specs), ("evaluate", EvaluateCommand.Specs),
        ("schedule", ScheduleCommand.Specs), ("plan", PlanCommand.Specs), ("bench-train", BenchTrainCommand.Specs), ("selftest-gpu", GpuCommands.SelfTestSpecs),
        ("bench-gpu", GpuCommands.BenchmarkSpecs), ("certs init", CertsCommand.InitSpecs), ("certs issue", CertsCommand.IssueSpecs), ("plot", PlotCommand.Specs),
    ];

    public static int Main(string[] args)
    {
        try
        {
            return Dispatch(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"cyclic: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is InvalidDataException or DataFormatException or CheckpointFormatException or BackendUnavailableException or NonFiniteLossException or NonFiniteGradientException or NonFiniteParametersException or IOException or UnauthorizedAccessException or ClusterStartException)
        {
            Console.Error.WriteLine($"cyclic: {e.Message}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable(DebugVariable) != "1")
        {
            // A bug of ours, not bad input: still one line, with what a bug report needs, instead of a stack trace.
            Console.Error.WriteLine($"cyclic: internal error: {e.GetType().Name}: {e.Message} (set {DebugVariable}=1 for the stack trace, and please report it)");
            return 70; // EX_SOFTWARE
        }
    }

    /// <summary>Set to 1 to let an unexpected exception end the program with its stack trace.</summary>
    public const string DebugVariable = "CYCLIC_DEBUG";

    private static int Dispatch(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            Console.WriteLine("usage: cyclic <command> [flags]   (cyclic <command> --help for its flags)");
            foreach (var (name, summary) in Commands)
            {
                Console.WriteLine($"  {name,-14}{summary}");
            }

            Console.WriteLine($"  {"completion",-14}{CompletionScript.Summary}");

            return args.Length == 0 ? 2 : 0;
        }

        string command = args[0];
        var rest = args.Skip(1).ToArray();
        return command switch
        {
            "train" => RunWith(command, TrainCommand.Summary, TrainOptions.Specs, rest, TrainCommand.Run),
            "seed" => RunWith(command, SeedCommand.Summary, SeedCommand.Specs, rest, SeedCommand.Run),
            "member" => RunWith(command, MemberCommand.Summary, MemberCommand.Specs, rest, MemberCommand.Run),
            "evaluate" => RunWith(command, EvaluateCommand.Summary, EvaluateCommand.Specs, rest, EvaluateCommand.Run),
            "schedule" => RunWith(command, ScheduleCommand.Summary, ScheduleCommand.Specs, rest, ScheduleCommand.Run),
            "plan" => RunWith(command, PlanCommand.Summary, PlanCommand.Specs, rest, PlanCommand.Run),
            "bench-train" => RunWith(command, BenchTrainCommand.Summary, BenchTrainCommand.Specs, rest, BenchTrainCommand.Run),
            "selftest-gpu" => RunWith(command, GpuCommands.SelfTestSummary, GpuCommands.SelfTestSpecs, rest, GpuCommands.SelfTest),
            "bench-gpu" => RunWith(command, GpuCommands.BenchmarkSummary, GpuCommands.BenchmarkSpecs, rest, GpuCommands.Benchmark),
            "certs" => rest.FirstOrDefault() switch
            {
                "init" => RunWith("certs init", CertsCommand.Summary, CertsCommand.InitSpecs, rest[1..], CertsCommand.Init),
                "issue" => RunWith("certs issue", CertsCommand.Summary, CertsCommand.IssueSpecs, rest[1..], CertsCommand.Issue),
                var other => throw new UsageException($"cyclic certs needs init or issue{(other is null ? "" : $", not '{other}'")} (cyclic certs init --help, cyclic certs issue --help)"),
            },
            "completion" => CompletionScript.Run(rest, CommandSpecs),
            "plot" => RunWith(command, PlotCommand.Summary, PlotCommand.Specs, rest, PlotCommand.Run, positionals: true),
            _ => throw new UsageException($"unknown command '{command}'{Suggestion.DidYouMean(command, Commands.Select(c => c.Name).Append("completion"))} (valid: {string.Join(", ", Commands.Select(c => c.Name))}, completion)"),
        };
    }

    private static int RunWith(string command, string summary, IReadOnlyList<OptionSpec> specs, string[] args, Func<ParsedOptions, int> run, bool positionals = false)
    {
        var parsed = ParsedOptions.Parse(command, specs, args, positionals);
        if (parsed.Flag("help"))
        {
            Console.Write(HelpText.For(command, summary, specs));
            return 0;
        }

        return run(parsed);
    }
}
