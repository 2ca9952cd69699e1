using System.Buffers;
using Akka.Actor;
using CyclicActors.Actors.Cluster;
using CyclicActors.Actors.Protocol;
using CyclicActors.Actors.Transport;
using CyclicActors.Actors.Transport.Link;

namespace CyclicActors.Actors.Tests.Cluster;

/// <summary>A member reducer's final state on the tensor channel: parameters, momentum and the reducer's counters, exactly.</summary>
public sealed class FinalStateWireTests
{
    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1_200L, 3L)]
    [InlineData(long.MaxValue, 4_294_967_297L)]
    public void A_final_state_and_its_counters_cross_the_wire_unchanged(long folded, long refused)
    {
        var state = new FinalStageState(2, 40, [1.5f, -0f, float.Epsilon], [0.25f, 7f, -3f], folded, refused);

        var back = FinalStateInbox.ToMessage(Received(FinalStateInbox.Flatten(state), new PublicationLabel(40, 2)));

        Assert.Equal((2, 40, folded, refused), (back.Stage, back.Version, back.ContributionsFolded, back.DuplicatesRefused));
        Assert.Equal(state.Parameters, back.Parameters);
        Assert.Equal(state.Momentum, back.Momentum);
    }

    [Fact]
    public void A_tensor_too_short_or_uneven_for_a_final_state_is_refused_naming_the_stage()
    {
        var error = Assert.Throws<InvalidDataException>(() => FinalStateInbox.ToMessage(Received([1f, 2f, 3f], new PublicationLabel(5, 1))));
        Assert.Contains("stage 1", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => FinalStateInbox.ToMessage(Received([1f, 2f, 3f, 4f, 5f], new PublicationLabel(5, 1))));
    }

    private static TensorReceived Received(float[] values, PublicationLabel label)
    {
        var pool = ArrayPool<float>.Shared;
        var buffer = pool.Rent(values.Length);
        values.CopyTo(buffer, 0);
        return new TensorReceived(label.ToTransfer(), new PooledTensor(buffer, values.Length, pool), ActorRefs.Nobody);
    }
}
