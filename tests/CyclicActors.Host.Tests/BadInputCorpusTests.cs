using System.Text.RegularExpressions;
using CyclicActors.Tests.Shared;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>
/// A corpus of bad inputs a hostile but fair user gives: flags, configuration files, data files,
/// checkpoints and output paths. Each must end with the expected exit code and exactly one line on
/// stderr naming the problem, print no stack trace, and leave every file the user had unchanged
/// (nor add any).
/// </summary>
public sealed partial class BadInputCorpusTests
{
    private const int Usage = 2;
    private const int Failure = 1;

    /// <summary>A short run, so that a case which wrongly gets past its check ends quickly instead of training for minutes.</summary>
    private static readonly string[] Short = ["--model", "mlp", "--steps", "1", "--quiet"];

    private static readonly BadInput[] Cases =
    [
        // Flags.
        new("unknown flag", Usage, "unknown flag --bogus", _ => ["train", "--bogus", "1"]),
        new("learning rate not a number", Usage, "--lr must be a number; got 'abc'", _ => ["train", .. Short, "--lr", "abc"]),
        new("learning rate NaN", Usage, "--lr must be a number; got 'NaN'", _ => ["train", .. Short, "--lr", "NaN"]),
        new("negative learning rate", Usage, "--lr must be between", _ => ["train", .. Short, "--lr", "-1"]),
        new("zero epochs", Usage, "--epochs must be between 1", _ => ["train", .. Short, "--epochs", "0"]),
        new("negative steps", Usage, "--steps must be between 0", _ => ["train", "--steps", "-5"]),
        new("unknown model", Usage, "--model must be one of", _ => ["train", "--model", "vgg"]),
        new("flag without its value", Usage, "--batch needs a value", _ => ["train", "--batch"]),
        new("repeated flag", Usage, "--seed was given more than once", _ => ["train", "--seed", "1", "--seed", "2"]),
        new("zero workers", Usage, "--workers must be between 1", _ => ["train", .. Short, "--workers", "0"]),
        new("workers the cyclic rule cannot stagger", Usage, "valid N for L = 4: 1, 2, 4, 8", _ => ["train", .. Short, "--workers", "3"]),
        new("more stages than layers", Usage, "--partition/--stages", _ => ["train", .. Short, "--stages", "11"]),
        new("partition not matching the stages", Usage, "--partition/--stages", _ => ["train", .. Short, "--partition", "1,1"]),
        new("unknown rule", Usage, "Unknown update rule 'cdp-v3'", _ => ["train", .. Short, "--rule", "cdp-v3"]),
        new("unknown v2 freshness", Usage, "--v2-rule", _ => ["train", .. Short, "--v2-rule", "fresh"]),
        new("v2 freshness with another rule", Usage, "--v2-rule applies to --rule cdp-v2 only", _ => ["train", .. Short, "--rule", "cdp-v1", "--v2-rule", "paper-code"]),
        new("data with an empty path", Usage, "--data needs a directory path", _ => ["train", .. Short, "--data", ""]),
        new("evaluate with an empty checkpoint path", Usage, "--checkpoint needs a directory path", _ => ["evaluate", "--checkpoint", ""]),
        new("look-ahead on dp", Usage, "--compensation lookahead applies to the CDP rules", _ => ["train", .. Short, "--rule", "dp", "--compensation", "lookahead"]),
        new("reference engine with a cdp rule", Usage, "--engine reference runs plain DP", _ => ["train", .. Short, "--engine", "reference", "--rule", "cdp-v1"]),
        new("momentum of one", Usage, "--momentum must be between", _ => ["train", .. Short, "--momentum", "1"]),
        new("unknown learning-rate schedule", Usage, "--lr-schedule must be one of", _ => ["train", .. Short, "--lr-schedule", "step"]),
        new("unknown backend", Usage, "--backend must be one of", _ => ["train", .. Short, "--backend", "tpu"]),
        new("negative seed", Usage, "--seed must be a non-negative integer", _ => ["train", .. Short, "--seed", "-1"]),
        new("value for a switch", Usage, "--quiet takes no value", _ => ["train", "--quiet=yes"]),
        new("positional argument", Usage, "unexpected argument 'fast'", _ => ["train", "fast"]),
        new("unknown command", Usage, "unknown command 'fly'", _ => ["fly"]),
        new("global batch larger than the data", Usage, "a global batch of 8001 (1 workers x 8001) is larger than the 8000 training samples", _ => ["train", .. Short, "--batch", "8001", "--workers", "1"]),
        new("schedule with bad workers", Usage, "valid N for L = 4", _ => ["schedule", "--workers", "3", "--stages", "4"]),
        new("bench-train input too small", Usage, "images are too small", _ => ["bench-train", "--model", "cnn", "--input", "1x4x4", "--steps", "1", "--warmup", "0"]),
        new("seed port out of range", Usage, "--port must be between", _ => ["seed", .. Short, "--port", "70000"], Process: true),
        new("member without a seed", Usage, "cyclic member needs --seed-node", _ => ["member"], Process: true),
        new("member seed of another protocol", Usage, "uses protocol 'http'", _ => ["member", "--seed-node", "http://cyclic@127.0.0.1:4053"], Process: true),
        new("member seed of another system", Usage, "names system 'other'", _ => ["member", "--seed-node", "akka.tcp://other@127.0.0.1:4053"], Process: true),
        new("member tensor port out of range", Usage, "--tensor-port must be between 0 and 65535; got 70000", _ => ["member", "--seed-node", "akka.tcp://cyclic@127.0.0.1:4053", "--tensor-port", "70000"], Process: true),

        // Output paths, all checked before the first step.
        new("save into a directory of the user's", Usage, "holds files that are not part of a checkpoint (main.c, src/)", s =>
        {
            s.WriteText("project/main.c", "int main(void) { return 0; }\n");
            s.WriteText("project/src/lib.c", "int f(void);\n");
            return ["train", .. Short, "--save", s.PathOf("project")];
        }),
        new("save over a lone foreign model file", Usage, "without a checkpoint manifest of ours", s =>
        {
            s.WriteText("hf/model.safetensors", "someone else's weights");
            return ["train", .. Short, "--save", s.PathOf("hf")];
        }),
        new("save over a checkpoint with the user's notes", Usage, "notes.txt", s =>
        {
            s.Checkpoint("run");
            s.WriteText("run/notes.txt", "lr 0.05 diverged");
            return ["train", .. Short, "--save", s.PathOf("run")];
        }),
        new("save onto a file", Usage, "is a file, not a directory", s => ["train", .. Short, "--save", s.WriteText("plain", "x")]),
        new("save with an empty path", Usage, "--save needs a path", _ => ["train", .. Short, "--save", ""]),
        new("save under a file", Usage, "is a file, not a directory", s => ["train", .. Short, "--save", Path.Combine(s.WriteText("parent", "x"), "ckpt")]),
        new("summary is a directory", Usage, "is a directory; give a file path", s => ["train", .. Short, "--summary", s.Folder("out")]),
        new("summary under a file", Usage, "cannot be created", s => ["train", .. Short, "--summary", Path.Combine(s.WriteText("parent", "x"), "run.json")]),
        new("summary with an empty path", Usage, "--summary needs a path", _ => ["train", .. Short, "--summary", ""]),
        new("metrics is a directory", Usage, "is a directory; give a file path", s => ["train", .. Short, "--metrics", s.Folder("out")]),
        new("metrics under a file", Usage, "cannot be created", s => ["train", .. Short, "--metrics", Path.Combine(s.WriteText("parent", "x"), "m.jsonl")]),
        new("trace is a directory", Usage, "is a directory; give a file path", s => ["train", .. Short, "--trace", s.Folder("out")]),
        new("trace under a file", Usage, "cannot be created", s => ["train", .. Short, "--trace", Path.Combine(s.WriteText("parent", "x"), "t.json")]),
        new("summary onto a device", Usage, "--summary /dev/null is a device, FIFO or socket, not a regular file", _ => ["train", .. Short, "--summary", "/dev/null"]),
        new("save onto a device", Usage, "is a file, not a directory", _ => ["train", .. Short, "--save", "/dev/null"]),
        new("summary and metrics on one file", Usage, "both name", s => ["train", .. Short, "--summary", s.PathOf("same.json"), "--metrics", s.PathOf("same.json")]),
        new("evaluate summary is a directory", Usage, "is a directory; give a file path", s => ["evaluate", "--checkpoint", s.Checkpoint(), "--summary", s.Folder("out")]),
        new("bench-train json under a file", Usage, "cannot be created", s => ["bench-train", "--model", "mlp", "--steps", "1", "--warmup", "0", "--json", Path.Combine(s.WriteText("parent", "x"), "b.json")]),
        new("seed save into a directory of the user's", Usage, "holds files that are not part of a checkpoint (main.c)", s =>
        {
            s.WriteText("project/main.c", "int main(void) { return 0; }\n");
            return ["seed", .. Short, "--save", s.PathOf("project")];
        }, Process: true),
        new("seed summary under a file", Usage, "cannot be created", s => ["seed", .. Short, "--summary", Path.Combine(s.WriteText("parent", "x"), "run.json")], Process: true),

        // Data files.
        new("missing data directory", Usage, "does not exist", s => ["train", .. Short, "--data", s.PathOf("nowhere")]),
        new("data given as a file", Usage, "is a file; give the directory", s => ["train", .. Short, "--data", Path.Combine(s.Data(), "train-labels-idx1-ubyte.gz")]),
        new("empty data directory", Failure, "missing MNIST train file", s => ["train", .. Short, "--data", s.Folder("empty")]),
        new("truncated images", Failure, "truncated", s =>
        {
            var data = s.Data();
            var raw = IdxTestFiles.Gunzip(Path.Combine(data, "train-images-idx3-ubyte.gz"));
            File.Delete(Path.Combine(data, "train-images-idx3-ubyte.gz"));
            s.WriteBytes("data/train-images-idx3-ubyte", raw[..(raw.Length / 2)]);
            return ["train", .. Short, "--data", data];
        }),
        new("labels file of another kind", Failure, "wrong number of dimensions 3 (magic 0x00000803), expected 1", s =>
        {
            var data = s.Data();
            File.Delete(Path.Combine(data, "t10k-labels-idx1-ubyte.gz"));
            s.WriteBytes("data/t10k-labels-idx1-ubyte", [0, 0, 8, 3, 0, 0, 0, 1, 5]);
            return ["train", .. Short, "--data", data];
        }),
        new("fifo as the images", Failure, "not a regular file", s =>
        {
            var data = s.Data();
            File.Delete(Path.Combine(data, "train-images-idx3-ubyte.gz"));
            s.Fifo("data/train-images-idx3-ubyte.gz");
            return ["train", .. Short, "--data", data];
        }),
        new("symbolic link loop as the images", Failure, "symbolic links", s =>
        {
            var data = s.Data();
            File.Delete(Path.Combine(data, "train-images-idx3-ubyte.gz"));
            File.CreateSymbolicLink(s.PathOf("loop-a"), s.PathOf("loop-b"));
            File.CreateSymbolicLink(s.PathOf("loop-b"), s.PathOf("loop-a"));
            File.CreateSymbolicLink(Path.Combine(data, "train-images-idx3-ubyte.gz"), s.PathOf("loop-a"));
            return ["train", .. Short, "--data", data];
        }),
        new("dangling link as the labels", Failure, "not found", s =>
        {
            var data = s.Data();
            File.Delete(Path.Combine(data, "train-labels-idx1-ubyte.gz"));
            File.CreateSymbolicLink(Path.Combine(data, "train-labels-idx1-ubyte.gz"), s.PathOf("gone"));
            return ["train", .. Short, "--data", data];
        }),
        new("empty images file", Failure, "empty or not a regular file", s =>
        {
            var data = s.Data();
            File.Delete(Path.Combine(data, "train-images-idx3-ubyte.gz"));
            s.WriteBytes("data/train-images-idx3-ubyte", []);
            return ["train", .. Short, "--data", data];
        }),
        new("label count differs from image count", Failure, "image/label count mismatch", s =>
        {
            var data = s.SyntheticData("data", (64, 28, 28), (16, 28, 28));
            s.WriteBytes("data/train-labels-idx1-ubyte", IdxTestFiles.Labels(new byte[63]));
            return ["train", .. Short, "--data", data];
        }),
        new("label out of range", Failure, "out of range 0..9", s =>
        {
            var data = s.SyntheticData("data", (64, 28, 28), (16, 28, 28));
            s.WriteBytes("data/t10k-labels-idx1-ubyte", IdxTestFiles.Labels([.. new byte[15], 12]));
            return ["train", .. Short, "--data", data];
        }),
        new("test images of another size", Failure, "the test images are 1x20x20 but the training images are 1x28x28", s =>
            ["train", .. Short, "--data", s.SyntheticData("data", (64, 28, 28), (16, 20, 20))]),
        new("images too small for the model", Usage, "images are too small", s =>
            ["train", "--model", "cnn", "--steps", "1", "--quiet", "--data", s.SyntheticData("data", (64, 4, 4), (16, 4, 4))]),
        new("corrupt gzip", Failure, "gzip", s =>
        {
            var data = s.Data();
            var gzip = File.ReadAllBytes(Path.Combine(data, "t10k-labels-idx1-ubyte.gz"));
            gzip[^1] ^= 0x40;
            File.WriteAllBytes(Path.Combine(data, "t10k-labels-idx1-ubyte.gz"), gzip);
            return ["train", .. Short, "--data", data];
        }),
        new("data set smaller than a global batch", Usage, "is larger than the 20 training samples", s =>
            ["train", .. Short, "--data", s.SyntheticData("data", (20, 28, 28), (4, 28, 28))]),
        new("truncated CIFAR batch", Failure, "test_batch.bin", s =>
        {
            var data = s.Folder("cifar");
            s.WriteBytes("cifar/data_batch_1.bin", new byte[3073 * 2]);
            s.WriteBytes("cifar/test_batch.bin", new byte[3073 + 100]);
            return ["evaluate", "--checkpoint", s.Checkpoint(), "--data", data];
        }),

        // Checkpoints.
        new("evaluate without a checkpoint", Usage, "--checkpoint DIR is required", _ => ["evaluate"]),
        new("missing checkpoint", Failure, "checkpoint directory not found", s => ["evaluate", "--checkpoint", s.PathOf("none")]),
        new("checkpoint given as a file", Failure, "is a file; a checkpoint is a directory", s => ["evaluate", "--checkpoint", Path.Combine(s.Checkpoint(), "model.safetensors")]),
        new("checkpoint without a manifest", Failure, "has no manifest", s =>
        {
            var checkpoint = s.Checkpoint();
            File.Delete(Path.Combine(checkpoint, "checkpoint.json"));
            return ["evaluate", "--checkpoint", checkpoint];
        }),
        new("malformed manifest", Failure, "malformed JSON", s =>
        {
            var checkpoint = s.Checkpoint();
            File.WriteAllText(Path.Combine(checkpoint, "checkpoint.json"), "{ \"formatVersion\": 2, ");
            return ["evaluate", "--checkpoint", checkpoint];
        }),
        new("null file entry in the manifest", Failure, "under \"files\" is null", s => ["evaluate", "--checkpoint", EditManifest(s, "\"model.safetensors\": {", "\"model.safetensors\": null, \"x\": {")]),
        new("future format version", Failure, "unsupported format version 9", s => ["evaluate", "--checkpoint", EditManifest(s, "\"formatVersion\": 2", "\"formatVersion\": 9")]),
        new("unknown model in the manifest", Failure, "does not describe a model", s => ["evaluate", "--checkpoint", EditManifest(s, "\"modelName\": \"mlp\"", "\"modelName\": \"gpt\"")]),
        new("partition not matching the model", Failure, "does not describe a model", s => ["evaluate", "--checkpoint", EditManifest(s, "\"partition\": [", "\"partition\": [7, ")]),
        new("modified weights", Failure, "hash mismatch", s =>
        {
            var checkpoint = s.Checkpoint();
            var model = Path.Combine(checkpoint, "model.safetensors");
            var bytes = File.ReadAllBytes(model);
            bytes[^1] ^= 0x01;
            File.WriteAllBytes(model, bytes);
            return ["evaluate", "--checkpoint", checkpoint];
        }),
        new("manifest is a fifo", Failure, "not a regular file", s =>
        {
            var checkpoint = s.Checkpoint();
            File.Delete(Path.Combine(checkpoint, "checkpoint.json"));
            s.Fifo("ckpt/checkpoint.json");
            return ["evaluate", "--checkpoint", checkpoint];
        }),
        new("checkpoint with non-finite weights", Failure, "non-finite values (NaN or infinity)", s =>
        {
            var checkpoint = s.Checkpoint();
            var loaded = GpuCompute.Checkpoints.CheckpointStore.Load(checkpoint, expectedTensors: null);
            var weights = loaded.Weights.Values.Select(t => t.Name == "1.weight" ? new GpuCompute.Checkpoints.NamedTensor(t.Name, t.Shape, [float.NaN, .. t.Data[1..]]) : t).ToList();
            GpuCompute.Checkpoints.CheckpointStore.Save(checkpoint, loaded.Metadata, weights, [.. loaded.Momentum.Values]);
            return ["evaluate", "--checkpoint", checkpoint];
        }),
        new("model tensor missing but momentum present", Failure, "model.safetensors: missing tensor '5.bias'", s =>
        {
            var checkpoint = s.Checkpoint();
            var fewer = s.Checkpoint("fewer");
            var loaded = GpuCompute.Checkpoints.CheckpointStore.Load(fewer, expectedTensors: null);
            GpuCompute.Checkpoints.CheckpointStore.Save(fewer, loaded.Metadata, [.. loaded.Weights.Values.Where(t => t.Name != "5.bias")], null);
            File.Copy(Path.Combine(fewer, "model.safetensors"), Path.Combine(checkpoint, "model.safetensors"), overwrite: true);
            var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(fewer, "checkpoint.json")))!["files"]!["model.safetensors"]!.ToJsonString();
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "checkpoint.json")))!;
            manifest["files"]!["model.safetensors"] = System.Text.Json.Nodes.JsonNode.Parse(record);
            File.WriteAllText(Path.Combine(checkpoint, "checkpoint.json"), manifest.ToJsonString());
            return ["evaluate", "--checkpoint", checkpoint];
        }),
        new("checkpoint for other images", Failure, "has shape [256, 784] but the model expects [256, 16]", s =>
            ["evaluate", "--checkpoint", s.Checkpoint(), "--data", s.SyntheticData("small", (16, 4, 4), (16, 4, 4))]),

        // Configuration files.
        new("missing config file", Usage, "does not exist", s => ["seed", .. Short, "--config", s.PathOf("none.conf")], Process: true),
        new("unknown training key", Usage, "is not a training option", s => ["seed", "--config", s.WriteText("run.conf", "cyclic-actors.training { learning-rate = 0.1 }")], Process: true),
        new("bad training value", Usage, "cyclic-actors.training.lr", s => ["seed", "--config", s.WriteText("run.conf", "cyclic-actors.training { lr = fast }")], Process: true),
        new("bad cluster setting", Usage, "cyclic-actors.cluster", s => ["seed", .. Short, "--config", s.WriteText("run.conf", "cyclic-actors.cluster.join-timeout = soon")], Process: true),
        new("unclosed brace in a config file", Usage, "run.conf", s => ["seed", .. Short, "--config", s.WriteText("run.conf", "cyclic-actors.cluster {\n  join-timeout = 30s\n")], Process: true),
        new("trailing garbage in a config file", Usage, "run.conf", s => ["seed", .. Short, "--config", s.WriteText("run.conf", "cyclic-actors.cluster.join-timeout = 30s\n} garbage")], Process: true),
        new("include of a missing file", Usage, "nope.conf", s => ["seed", .. Short, "--config", s.WriteText("run.conf", "include \"nope.conf\"\n")], Process: true),
        new("seed host that is no address", Usage, "999.1.1.1", _ => ["seed", .. Short, "--host", "999.1.1.1"], Process: true),
        new("member host that is no address", Usage, "999.1.1.1", _ => ["member", "--seed-node", "akka.tcp://cyclic@127.0.0.1:4053", "--host", "999.1.1.1"], Process: true),
        new("TLS without a certificate", Usage, "certificate", s => ["seed", .. Short, "--config", s.WriteText("tls.conf", "cyclic-actors.transport.path = akka\nakka.remote.dot-netty.tcp.enable-ssl = true\n")], Process: true),
        new("missing profile on a member", Usage, "does not exist", s => ["member", "--seed-node", "akka.tcp://cyclic@127.0.0.1:4053", "--profile", s.PathOf("none.conf")], Process: true),
    ];

    public static TheoryData<string> Names() => [.. Cases.Select(c => c.Name)];

    [Fact]
    public void The_corpus_is_large_and_its_names_are_unique()
    {
        Assert.True(Cases.Length >= 60, $"{Cases.Length} cases");
        Assert.Equal(Cases.Length, Cases.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_bad_input_is_one_line_naming_the_problem_with_no_stack_trace_and_no_file_changed(string name)
    {
        var input = Cases.Single(c => c.Name == name);
        using var sandbox = new Sandbox();
        var arguments = input.Arguments(sandbox);
        var before = sandbox.Snapshot();

        var (code, output, error) = input.Process ? await RunProcess(arguments) : CliRunner.Run(arguments);

        string all = output + error;
        Assert.True(code == input.ExitCode, $"exit code {code}, expected {input.ExitCode}; output:\n{all}");
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}:\n{error}");
        Assert.Contains(input.Expected, lines[0], StringComparison.Ordinal);
        Assert.StartsWith("cyclic: ", lines[0], StringComparison.Ordinal);
        Assert.False(StackFrame().IsMatch(all), $"stack trace in the output:\n{all}");
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.Equal(before, sandbox.Snapshot());
    }

    private static string EditManifest(Sandbox sandbox, string from, string to)
    {
        var checkpoint = sandbox.Checkpoint();
        var manifest = Path.Combine(checkpoint, "checkpoint.json");
        string text = File.ReadAllText(manifest);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(manifest, text.Replace(from, to, StringComparison.Ordinal));
        return checkpoint;
    }

    private static async Task<(int Code, string Output, string Error)> RunProcess(string[] arguments)
    {
        using var node = NodeProcess.Start(string.Join(' ', arguments.Take(2)), arguments);
        int code = await node.ExitCodeAsync(TimeSpan.FromSeconds(60));
        return (code, node.StandardOutput, node.StandardError);
    }

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    private sealed record BadInput(string Name, int ExitCode, string Expected, Func<Sandbox, string[]> Arguments, bool Process = false);
}
