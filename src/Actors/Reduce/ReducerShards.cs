namespace CyclicActors.Actors.Reduce;

/// <summary>
/// How a stage's reducer is split into shards (<c>--reducer-shards S</c>): shard k owns one
/// contiguous range of the stage's flattened parameters, the first <c>length mod S</c> shards one
/// value more than the rest. The optimizer is element-wise (SGD with momentum and weight decay), and
/// each shard folds its slice of every contribution in the same rank order, so the shards together
/// make bitwise the versions one reducer would; what changes is where the bytes go. With one shard
/// per member, each member receives (M−1)/M of every gradient and sends (M−1)/M of every version:
/// the bytes of a ring all-reduce, instead of one member receiving and sending them all.
/// </summary>
public static class ReducerShards
{
    /// <summary>Shard indices travel in the high half of a label's stage slot (see <see cref="WireStage"/>).</summary>
    public const int MaxStages = 1 << 16;

    public const int MaxShards = 1 << 14;

    /// <summary>The range of <paramref name="shard"/> of a stage with <paramref name="stageLength"/> parameters split <paramref name="shards"/> ways.</summary>
    public static (int Offset, int Length) Range(int stageLength, int shards, int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stageLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        int baseLength = stageLength / shards, longer = stageLength % shards;
        return ((shard * baseLength) + Math.Min(shard, longer), baseLength + (shard < longer ? 1 : 0));
    }

    /// <summary>The slice of <paramref name="values"/> (a whole stage) that <paramref name="shard"/> owns; the array itself with one shard.</summary>
    public static float[] Slice(float[] values, int shards, int shard)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (shards == 1)
        {
            return values;
        }

        var (offset, length) = Range(values.Length, shards, shard);
        return values.AsSpan(offset, length).ToArray();
    }

    /// <summary>Whole-stage values from each shard's slice, in shard order.</summary>
    /// <exception cref="InvalidOperationException">A slice's length is not its shard's range.</exception>
    public static float[] Join(IReadOnlyList<float[]> slices, int stageLength, string what)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var whole = new float[stageLength];
        for (var shard = 0; shard < slices.Count; shard++)
        {
            var (offset, length) = Range(stageLength, slices.Count, shard);
            if (slices[shard].Length != length)
            {
                throw new InvalidOperationException($"{what}: shard {shard} of {slices.Count} holds {slices[shard].Length} values; its range is {length} of the stage's {stageLength}.");
            }

            slices[shard].CopyTo(whole, offset);
        }

        return whole;
    }

    /// <summary>
    /// A label's stage slot for shard <paramref name="shard"/> of <paramref name="stage"/>: the stage
    /// itself for shard 0 (so an unsharded run's wire format is unchanged), the shard in the high bits.
    /// Also the key of a node's reducers by unit.
    /// </summary>
    public static int WireStage(int stage, int shard)
    {
        if (stage < 0 || stage >= MaxStages || shard < 0 || shard >= MaxShards)
        {
            throw new ArgumentOutOfRangeException(nameof(stage), $"Stage {stage}, shard {shard}: a label holds stages below {MaxStages} and shards below {MaxShards}.");
        }

        return stage + (shard * MaxStages);
    }

    /// <summary>The inverse of <see cref="WireStage"/>; a negative slot gives a negative stage, which every receiver refuses.</summary>
    public static (int Stage, int Shard) FromWire(int slot) => slot < 0 ? (-1, 0) : (slot % MaxStages, slot / MaxStages);
}
