namespace CyclicActors.Actors.Plan;

/// <summary>
/// A machine's compute as processor sharing: up to <c>slots</c> jobs run at full speed; with more,
/// every running job progresses at slots / running of full speed. That is how the OS shares CPU
/// cores among worker threads (and, coarsely, how kernels of several workers share one GPU).
/// A machine made on a host (<see cref="ComputeMachine(ComputeMachine)"/>) has no slots of its own:
/// its jobs run among the host's, as member processes emulated on one box share its cores.
/// </summary>
public sealed class ComputeMachine
{
    private readonly EventClock _clock;
    private readonly double _slots;
    private readonly ComputeMachine? _host;
    private readonly List<Job> _running = [];
    private double _updatedAt;
    private long _generation;

    /// <param name="slots">Jobs at full speed at once, fractional for a share of a core (0.5: every job at half speed at best); 0: unlimited.</param>
    public ComputeMachine(EventClock clock, double slots)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        _clock = clock;
        _slots = slots;
    }

    /// <param name="host">The machine whose slots this one's jobs share with every other machine on it.</param>
    public ComputeMachine(ComputeMachine host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _clock = host._clock;
        _host = host;
    }

    /// <summary>Seconds of full-speed work done so far, summed over jobs (for the busy fraction); on a host, of this machine's finished jobs.</summary>
    public double WorkDone { get; private set; }

    /// <summary>Starts a job of <paramref name="seconds"/> full-speed seconds now; <paramref name="done"/> runs when it ends.</summary>
    public void Run(double seconds, Action done)
    {
        ArgumentNullException.ThrowIfNull(done);
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        if (_host is not null)
        {
            _host.Run(seconds, () =>
            {
                WorkDone += seconds;
                done();
            });
            return;
        }

        Advance();
        _running.Add(new Job(seconds, done));
        Reschedule();
    }

    private double Rate => _slots == 0 || _running.Count <= _slots ? 1.0 : _slots / _running.Count;

    /// <summary>Brings every running job's remaining work to now.</summary>
    private void Advance()
    {
        double elapsed = _clock.Now - _updatedAt;
        _updatedAt = _clock.Now;
        if (elapsed <= 0 || _running.Count == 0)
        {
            return;
        }

        double progress = elapsed * Rate;
        foreach (var job in _running)
        {
            double step = Math.Min(progress, job.Remaining);
            job.Remaining -= step;
            WorkDone += step;
        }
    }

    /// <summary>Schedules the next completion; an older scheduled check is ignored by its generation.</summary>
    private void Reschedule()
    {
        if (_running.Count == 0)
        {
            return;
        }

        long generation = ++_generation;
        double next = _running.Min(job => job.Remaining) / Rate;
        _clock.At(_clock.Now + next, () =>
        {
            if (generation == _generation)
            {
                Complete();
            }
        });
    }

    private void Complete()
    {
        Advance();
        // A job due now may be a rounding error above zero: done when what is left would end within the
        // clock's own rounding (which grows with the time), else a long run could reschedule it forever.
        double rate = Rate;
        double rounding = Math.Max(1e-12, _clock.Now * 1e-13);
        var finished = _running.Where(job => job.Remaining / rate <= rounding).ToList();
        foreach (var job in finished)
        {
            WorkDone += job.Remaining;
            _running.Remove(job);
        }

        Reschedule();
        foreach (var job in finished)
        {
            job.Done();
        }
    }

    private sealed class Job(double seconds, Action done)
    {
        public double Seconds { get; } = seconds;

        public double Remaining { get; set; } = seconds;

        public Action Done { get; } = done;
    }
}
