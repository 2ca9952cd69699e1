using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using CyclicActors.Actors.Settings;
using CyclicActors.GpuCompute;
using CyclicActors.GpuCompute.Models;
using CyclicActors.Host.Cli;

namespace CyclicActors.Host.Commands;

/// <summary>
/// --model FILE.conf: a model described in HOCON (hocon/models/ holds the presets in this form).
/// <code>
/// model {
///   name = my-cnn           # optional: the file's name
///   input = 1x28x28         # optional: checked against the data's images
///   layers = [
///     { type = conv, channels = 32, kernel = 3 }      # stride = 1, padding = 0 unless given
///     { type = relu }
///     { type = max-pool, window = 2 }
///     { type = flatten }
///     { type = residual, channels = 64, stride = 2 }
///     { type = dense, features = 128 }
///     { type = dense, features = classes }            # the classifier: the data's class count
///   ]
/// }
/// </code>
/// Every problem is one line naming the file, the layer's index and what is wrong; shapes that do
/// not chain are found when the model meets the data's images (<see cref="ModelSpec.Build"/>).
/// </summary>
internal static class ModelFile
{
    private static readonly Dictionary<string, (LayerKind Kind, string[] Required, string[] Optional)> Types = new(StringComparer.Ordinal)
    {
        ["conv"] = (LayerKind.Conv, ["channels", "kernel"], ["stride", "padding"]),
        ["relu"] = (LayerKind.Relu, [], []),
        ["max-pool"] = (LayerKind.MaxPool, ["window"], []),
        ["flatten"] = (LayerKind.Flatten, [], []),
        ["dense"] = (LayerKind.Dense, ["features"], []),
        ["residual"] = (LayerKind.Residual, ["channels", "stride"], []),
    };

    /// <summary>Whether a --model value names a file rather than a preset.</summary>
    public static bool IsFile(string value) => value.EndsWith(".conf", StringComparison.OrdinalIgnoreCase) || value.Contains('/', StringComparison.Ordinal);

    /// <exception cref="UsageException">A missing or malformed file, naming it and the layer.</exception>
    public static (ModelSpec Spec, Shape3? Input) Read(string path)
    {
        Config config;
        try
        {
            config = HoconFile.Parse(path);
        }
        catch (Exception e) when (e is ConfigurationException or FileNotFoundException or IOException)
        {
            throw new UsageException($"--model {path}: {e.Message}");
        }

        string Problem(string what) => $"--model {path}: {what}";
        var root = config.HasPath("model") ? config.GetConfig("model") : ConfigurationFactory.Empty;
        var unknown = root.Root.IsObject() ? root.Root.GetObject().Items.Keys.Where(key => key is not ("name" or "input" or "layers")).ToArray() : [];
        if (unknown.Length > 0)
        {
            throw new UsageException(Problem($"model.{unknown[0]} is not a model setting (valid: name, input, layers){Suggestion.DidYouMean(unknown[0], ["name", "input", "layers"])}"));
        }

        var value = root.Root.IsObject() && root.Root.GetObject().Items.TryGetValue("layers", out var layersValue) ? layersValue : null;
        if (value is null)
        {
            throw new UsageException(Problem("model.layers is missing: the model's layers, a list such as [ { type = conv, channels = 32, kernel = 3 }, { type = relu }, … ]"));
        }

        // Akka's parser keeps "[]" as an empty array beside the blank around it, which is not IsArray().
        if (value.IsEmpty || value.Values.OfType<HoconArray>().Any() && value.Values.OfType<HoconArray>().All(array => array.GetArray().Count == 0))
        {
            throw new UsageException(Problem("model.layers is empty: a model needs at least one layer"));
        }

        if (!value.IsArray())
        {
            throw new UsageException(Problem("model.layers must be a list of layers, [ { type = … }, … ]"));
        }

        var items = value.GetArray();
        var name = root.HasPath("name") ? root.GetString("name") : Path.GetFileNameWithoutExtension(path);
        Shape3? input = root.HasPath("input") ? ParseShape(root.GetString("input"), Problem) : null;
        var layers = items.Select((item, index) => Layer(item, index, Problem)).ToArray();
        return (new ModelSpec(name, layers), input);
    }

    private static LayerSpec Layer(HoconValue item, int index, Func<string, string> problem)
    {
        if (!item.IsObject())
        {
            throw new UsageException(problem($"layer {index} must be an object such as {{ type = relu }}; got '{item}'"));
        }

        var fields = item.GetObject().Items.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        if (!fields.TryGetValue("type", out var typeValue))
        {
            throw new UsageException(problem($"layer {index} has no type (valid: {string.Join(", ", Types.Keys)})"));
        }

        var type = typeValue.GetString();
        if (!Types.TryGetValue(type, out var shape))
        {
            throw new UsageException(problem($"layer {index}: unknown type '{type}'{Suggestion.DidYouMean(type, Types.Keys)} (valid: {string.Join(", ", Types.Keys)})"));
        }

        var allowed = shape.Required.Concat(shape.Optional).Append("type").ToArray();
        if (fields.Keys.FirstOrDefault(key => !allowed.Contains(key)) is { } stray)
        {
            throw new UsageException(problem($"layer {index} ({type}): unknown key {stray}{Suggestion.DidYouMean(stray, allowed)} (a {type} layer takes {(allowed.Length == 1 ? "nothing but its type" : string.Join(", ", allowed.Where(key => key != "type")))})"));
        }

        if (shape.Required.FirstOrDefault(key => !fields.ContainsKey(key)) is { } missing)
        {
            throw new UsageException(problem($"layer {index} ({type}): {missing} is missing"));
        }

        int? Number(string key, int fallback, bool classesAllowed = false)
        {
            if (!fields.TryGetValue(key, out var field))
            {
                return fallback;
            }

            var text = field.GetString();
            if (classesAllowed && text == "classes")
            {
                return null;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new UsageException(problem($"layer {index} ({type}): {key} must be a whole number{(classesAllowed ? " or classes" : "")}; got '{text}'"));
        }

        return shape.Kind switch
        {
            LayerKind.Conv => new LayerSpec(LayerKind.Conv, Number("channels", 0), Number("kernel", 0)!.Value, Number("stride", 1)!.Value, Number("padding", 0)!.Value),
            LayerKind.MaxPool => new LayerSpec(LayerKind.MaxPool, Kernel: Number("window", 0)!.Value),
            LayerKind.Dense => new LayerSpec(LayerKind.Dense, Number("features", 0, classesAllowed: true)),
            LayerKind.Residual => new LayerSpec(LayerKind.Residual, Number("channels", 0), Stride: Number("stride", 1)!.Value),
            var kind => new LayerSpec(kind),
        };
    }

    private static Shape3 ParseShape(string text, Func<string, string> problem)
    {
        var parts = text.Split('x');
        return parts.Length == 3 && parts.All(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0)
            ? new Shape3(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture))
            : throw new UsageException(problem($"model.input must look like 1x28x28 (channels x height x width); got '{text}'"));
    }
}
