using CyclicActors.Actors.Reduce;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class ReducerStateTests
{
    public static TheoryData<int> WorkerCounts => new() { 1, 2, 3, 4 };

    /// <summary>Every arrival order of two steps' contributions (all (2N)! interleavings for N ≤ 3, all N!·N! per-step orders for N = 4) folds in rank order.</summary>
    [Theory]
    [MemberData(nameof(WorkerCounts))]
    public void Folds_in_rank_order_whatever_the_arrival_order(int workers)
    {
        var contributions = Enumerable.Range(0, 2).SelectMany(step => Enumerable.Range(0, workers).Select(rank => (Step: step, Rank: rank))).ToArray();
        var orders = workers <= 3
            ? Permutations(contributions)
            : (from a in Permutations(contributions[..workers]) from b in Permutations(contributions[workers..]) select a.Concat(b).ToArray());
        int checkedOrders = 0;
        foreach (var order in orders)
        {
            var state = new ReducerState(workers);
            var effects = order.SelectMany(c => state.Accept(c.Step, c.Rank, [c.Step * 10 + c.Rank])).ToList();
            var expected = Enumerable.Range(0, 2).SelectMany(step =>
                Enumerable.Range(0, workers).Select(rank => (ReducerEffect)new FoldContribution(step, rank, [step * 10 + rank])).Append(new StepFolded(step)));
            Assert.Equal(Describe(expected), Describe(effects));
            Assert.Equal(0, state.BufferedCount);
            Assert.Equal(2, state.NextStep);
            checkedOrders++;
        }

        Assert.Equal(workers <= 3 ? Factorial(2 * workers) : Factorial(workers) * Factorial(workers), checkedOrders);
    }

    [Fact]
    public void An_early_contribution_waits_for_the_ranks_before_it()
    {
        var state = new ReducerState(3);
        Assert.Empty(state.Accept(0, 2, [2]));
        Assert.Empty(state.Accept(1, 0, [10]));
        Assert.Equal(2, state.BufferedCount);
        Assert.Equal(["fold 0/0"], Describe(state.Accept(0, 0, [0])));
        Assert.Equal(["fold 0/1", "fold 0/2", "done 0", "fold 1/0"], Describe(state.Accept(0, 1, [1])));
        Assert.Equal((1, 1), (state.NextStep, state.NextRank));
    }

    [Fact]
    public void A_contribution_is_folded_exactly_once_and_a_second_copy_is_refused_and_counted()
    {
        var state = new ReducerState(2);
        Assert.Empty(state.Accept(0, 1, [1]));
        Assert.Equal(["refused 0/1"], Describe(state.Accept(0, 1, [99])));
        Assert.Equal(["fold 0/0", "fold 0/1", "done 0"], Describe(state.Accept(0, 0, [0])));
        Assert.Equal(["refused 0/0"], Describe(state.Accept(0, 0, [0])));
        Assert.Equal(["refused 0/1"], Describe(state.Accept(0, 1, [1])));
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Accept(1, 2, [0]));
        Assert.Equal((2L, 3L), (state.Folded, state.RefusedTwice));
    }

    [Fact]
    public void Folded_counts_every_contribution_of_every_completed_step_once_whatever_the_arrival_order()
    {
        var random = new Random(7);
        for (var workers = 1; workers <= 5; workers++)
        {
            var state = new ReducerState(workers, firstStep: 3);
            var arrivals = Enumerable.Range(3, 6).SelectMany(step => Enumerable.Range(0, workers).Select(rank => (step, rank))).OrderBy(_ => random.Next()).ToList();
            var folds = arrivals.SelectMany(a => state.Accept(a.step, a.rank, [a.step * 10 + a.rank])).OfType<FoldContribution>().Count();
            Assert.Equal(6L * workers, state.Folded);
            Assert.Equal(folds, state.Folded);
            Assert.Equal(0L, state.RefusedTwice);
            Assert.Equal((9, 0, 0), (state.NextStep, state.NextRank, state.BufferedCount));
        }
    }

    private static string[] Describe(IEnumerable<ReducerEffect> effects) => effects.Select(effect => effect switch
    {
        FoldContribution fold => $"fold {fold.Step}/{fold.Rank}" + (fold.Gradient[0] == fold.Step * 10 + fold.Rank ? string.Empty : " with the wrong data"),
        StepFolded done => $"done {done.Step}",
        DuplicateRefused refused => $"refused {refused.Step}/{refused.Rank}",
        _ => effect.ToString()!,
    }).ToArray();

    private static IEnumerable<T[]> Permutations<T>(T[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }

        for (int i = 0; i < items.Length; i++)
        {
            var rest = items.Take(i).Concat(items.Skip(i + 1)).ToArray();
            foreach (var tail in Permutations(rest))
            {
                yield return [items[i], .. tail];
            }
        }
    }

    private static int Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
}
