using Akka.Actor;
using CyclicActors.Actors.Protocol;

namespace CyclicActors.Actors.Reduce;

/// <summary>
/// A relay in front of a reducer that scrambles arrival order (for tests of order independence):
/// it holds a step's contributions until all N are in, then forwards them in a permutation drawn
/// from a seeded generator. Holding a step back until it is complete never delays the fold, which
/// needs all N anyway, so it cannot deadlock the schedule; contributions of later steps are
/// forwarded the same way, possibly before an earlier step is released.
/// </summary>
public sealed class ContributionShuffler : UntypedActor
{
    private readonly IActorRef _reducer;
    private readonly int _workers;
    private readonly Random _random;
    private readonly Dictionary<int, List<GradientContributed>> _held = new();

    public ContributionShuffler(IActorRef reducer, int workers, int seed)
    {
        _reducer = reducer;
        _workers = workers;
        _random = new Random(seed);
    }

    protected override void OnReceive(object message)
    {
        if (message is not GradientContributed contribution)
        {
            Unhandled(message);
            return;
        }

        if (!_held.TryGetValue(contribution.Step, out var step))
        {
            step = [];
            _held[contribution.Step] = step;
        }

        step.Add(contribution);
        if (step.Count < _workers)
        {
            return;
        }

        _held.Remove(contribution.Step);
        var order = step.ToArray();
        _random.Shuffle(order);
        foreach (var held in order)
        {
            _reducer.Tell(held, Sender);
        }
    }
}
