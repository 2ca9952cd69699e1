using CyclicActors.Actors.Reduce;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class GradientBuffersTests
{
    [Fact]
    public void A_returned_array_is_rented_again_only_for_its_own_length()
    {
        var buffers = new GradientBuffers(capacity: 4);
        var array = buffers.Rent(5);
        Assert.Equal(5, array.Length);

        buffers.Return(array);

        Assert.Equal(1, buffers.Held);
        var other = buffers.Rent(6);
        Assert.NotSame(array, other);
        Assert.Equal(6, other.Length);
        Assert.Same(array, buffers.Rent(5));
        Assert.Equal(0, buffers.Held);
        Assert.NotSame(array, buffers.Rent(5));
    }

    [Fact]
    public void It_keeps_no_more_than_its_capacity_over_all_lengths()
    {
        var buffers = new GradientBuffers(capacity: 3);
        var returned = new[] { new float[2], new float[2], new float[7], new float[2], new float[7] };

        foreach (var array in returned)
        {
            buffers.Return(array);
        }

        Assert.Equal(3, buffers.Held);
        var kept = new[] { buffers.Rent(2), buffers.Rent(2), buffers.Rent(7) };
        Assert.All(kept, array => Assert.Contains(returned[..3], candidate => ReferenceEquals(candidate, array)));
        Assert.Equal(0, buffers.Held);
    }

    [Fact]
    public void Renting_and_returning_from_many_threads_never_hands_one_array_to_two_renters()
    {
        var buffers = new GradientBuffers(capacity: 16);
        var owners = new System.Collections.Concurrent.ConcurrentDictionary<float[], int>(ReferenceEqualityComparer.Instance);
        int clashes = 0;
        Parallel.For(0, 8, worker =>
        {
            for (int round = 0; round < 2000; round++)
            {
                var array = buffers.Rent(3);
                if (!owners.TryAdd(array, worker))
                {
                    Interlocked.Increment(ref clashes);
                }

                owners.TryRemove(array, out _);
                buffers.Return(array);
            }
        });

        Assert.Equal(0, clashes);
        Assert.InRange(buffers.Held, 1, 16);
    }
}
