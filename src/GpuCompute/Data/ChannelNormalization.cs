namespace CyclicActors.GpuCompute.Data;

/// <summary>
/// Per-channel pixel normalisation as torchvision does it: a byte b becomes
/// x = b / 255 (ToTensor), then (x − mean[c]) / std[c] (Normalize), all in float32.
/// </summary>
public sealed class ChannelNormalization
{
    /// <summary>MNIST: mean 0.1307, std 0.3081 (the training-set statistics used by PyTorch's MNIST example).</summary>
    public static readonly ChannelNormalization Mnist = new([0.1307f], [0.3081f]);

    /// <summary>
    /// CIFAR-10: mean (0.4914, 0.4822, 0.4465), std (0.2023, 0.1994, 0.2010), the values most CIFAR
    /// training scripts use (the std is of per-image statistics, not the pixel std; kept for comparability).
    /// </summary>
    public static readonly ChannelNormalization Cifar10 = new([0.4914f, 0.4822f, 0.4465f], [0.2023f, 0.1994f, 0.2010f]);

    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>256 precomputed values per channel, so decoding is a table look-up and bit-for-bit the formula.</summary>
    private readonly float[] _table;

    public ChannelNormalization(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
        {
            throw new ArgumentException($"Need one mean and one std per channel, got {mean.Length} and {std.Length}.");
        }

        if (std.Any(s => !(s > 0) || !float.IsFinite(s)) || mean.Any(m => !float.IsFinite(m)))
        {
            throw new ArgumentException("Means must be finite and standard deviations finite and positive.");
        }

        _mean = (float[])mean.Clone();
        _std = (float[])std.Clone();
        _table = new float[mean.Length * 256];
        for (var c = 0; c < mean.Length; c++)
        {
            for (var b = 0; b < 256; b++)
            {
                _table[(c * 256) + b] = ((b / 255f) - _mean[c]) / _std[c];
            }
        }
    }

    public int Channels => _mean.Length;

    public IReadOnlyList<float> Mean => _mean;

    public IReadOnlyList<float> Std => _std;

    /// <summary>Normalises one CHW image of bytes into <paramref name="destination"/> (same length).</summary>
    public void Apply(ReadOnlySpan<byte> chwBytes, Span<float> destination)
    {
        if (chwBytes.Length != destination.Length || chwBytes.Length % Channels != 0)
        {
            throw new ArgumentException(
                $"Image of {chwBytes.Length} bytes does not fit {destination.Length} floats in {Channels} channels.");
        }

        var plane = chwBytes.Length / Channels;
        for (var c = 0; c < Channels; c++)
        {
            var table = _table.AsSpan(c * 256, 256);
            var source = chwBytes.Slice(c * plane, plane);
            var target = destination.Slice(c * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                target[i] = table[source[i]];
            }
        }
    }

    public override string ToString() =>
        $"mean ({string.Join(", ", _mean)}), std ({string.Join(", ", _std)})";
}
