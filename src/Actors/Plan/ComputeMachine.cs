namespace CyclicActors.Actors.Plan;

/// <summary>
/// A machine's compute, as the OS shares CPU cores among worker threads (and, coarsely, as kernels of
/// several workers share one GPU). Two disciplines:
/// <list type="bullet">
/// <item>Processor sharing (no time slice): up to <c>slots</c> jobs run at full speed; with more, every
/// running job progresses at slots / running of full speed, and every job starts the moment it comes.</item>
/// <item>Time slicing (a slice of <c>q</c> seconds): ⌈slots⌉ cores each run one job at a time at
/// slots / ⌈slots⌉ of full speed; a job runs for up to one slice, then goes to the back of the queue if
/// another waits. A job shorter than a slice runs whole before the next starts, as a thread does between
/// the scheduler's preemptions; a job starts (rents its buffers) when it first gets a core.</item>
/// </list>
/// Both give the same throughput; they differ in which jobs are under way at once, which is what the
/// memory a pool keeps depends on. A machine made on a host (<see cref="ComputeMachine(ComputeMachine)"/>)
/// has no slots of its own: its jobs run among the host's, as member processes emulated on one box share its cores.
/// </summary>
public sealed class ComputeMachine
{
    private readonly EventClock _clock;
    private readonly double _slots;
    private readonly double _slice;
    private readonly ComputeMachine? _host;
    private readonly List<Job> _running = [];
    private readonly Queue<Job> _waiting = new();
    private double _updatedAt;
    private long _generation;

    /// <param name="slots">Jobs at full speed at once, fractional for a share of a core (0.5: every job at half speed at best); 0: unlimited.</param>
    /// <param name="sliceSeconds">The scheduler's time slice; 0: processor sharing.</param>
    public ComputeMachine(EventClock clock, double slots, double sliceSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        ArgumentOutOfRangeException.ThrowIfNegative(sliceSeconds);
        _clock = clock;
        _slots = slots;
        _slice = slots == 0 ? 0 : sliceSeconds;
    }

    /// <param name="host">The machine whose slots this one's jobs share with every other machine on it.</param>
    public ComputeMachine(ComputeMachine host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _clock = host._clock;
        _host = host;
    }

    /// <summary>
    /// The slice Linux's scheduler (EEVDF, and CFS's minimum granularity before it) gives a thread on a
    /// machine of <paramref name="cores"/> cores: 0.75 ms times 1 + log2 of the cores, counted up to 8
    /// (the kernel's default logarithmic tunable scaling): 0.75 ms on one core, 1.5 ms on two, 3 ms from eight.
    /// </summary>
    public static double LinuxTimeSlice(double cores)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cores);
        int counted = Math.Clamp((int)Math.Ceiling(cores), 1, 8);
        return 0.75e-3 * (1 + Math.ILogB(counted));
    }

    /// <summary>Seconds of full-speed work done so far, summed over jobs (for the busy fraction); on a host, of this machine's finished jobs.</summary>
    public double WorkDone { get; private set; }

    /// <summary>Starts a job of <paramref name="seconds"/> full-speed seconds now; <paramref name="done"/> runs when it ends.</summary>
    public void Run(double seconds, Action done) => Run(seconds, started: null, done);

    /// <summary>
    /// Queues a job of <paramref name="seconds"/> full-speed seconds; <paramref name="started"/> runs when it
    /// first gets a core (at once under processor sharing), each of <paramref name="milestones"/> when the
    /// job has done that much of its full-speed work (in order; those at 0 right after it starts, any left
    /// when it ends before <paramref name="done"/>), <paramref name="done"/> when it ends.
    /// </summary>
    public void Run(double seconds, Action? started, Action done, IReadOnlyList<Milestone>? milestones = null)
    {
        ArgumentNullException.ThrowIfNull(done);
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        if (_host is not null)
        {
            _host.Run(seconds, started, () =>
            {
                WorkDone += seconds;
                done();
            }, milestones);
            return;
        }

        var job = new Job(seconds, started, done, milestones);
        if (_slice > 0)
        {
            _waiting.Enqueue(job);
            Dispatch();
            return;
        }

        Advance();
        _running.Add(job);
        job.Begin();
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
        double next = _running.Min(job => job.UntilNextEvent) / Rate;
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
        double rounding = Rounding;
        var finished = _running.Where(job => job.Remaining / rate <= rounding).ToList();
        foreach (var job in finished)
        {
            WorkDone += job.Remaining;
            job.Remaining = 0;
            _running.Remove(job);
        }

        foreach (var job in _running.Where(job => job.UntilNextEvent / rate <= rounding).ToList())
        {
            job.ReachMilestones(rounding * rate);
        }

        Reschedule();
        foreach (var job in finished)
        {
            job.Finish();
        }
    }

    private double Rounding => Math.Max(1e-12, _clock.Now * 1e-13);

    private int Cores => (int)Math.Ceiling(_slots);

    /// <summary>Each core's speed when ⌈slots⌉ cores stand for a fractional number of slots.</summary>
    private double CoreSpeed => _slots / Cores;

    /// <summary>Gives free cores to the waiting jobs, first come first served.</summary>
    private void Dispatch()
    {
        while (_running.Count < Cores && _waiting.Count > 0)
        {
            var job = _waiting.Dequeue();
            _running.Add(job);
            job.SliceLeft = _slice;
            job.Begin();
            RunSlice(job);
        }
    }

    /// <summary>Runs <paramref name="job"/> on its core to the end of its slice, its end, or its next milestone, whichever comes first.</summary>
    private void RunSlice(Job job)
    {
        double seconds = Math.Min(job.UntilNextEvent / CoreSpeed, job.SliceLeft);
        long generation = ++job.Generation;
        _clock.At(_clock.Now + seconds, () =>
        {
            if (generation != job.Generation)
            {
                return;
            }

            double work = Math.Min(seconds * CoreSpeed, job.Remaining);
            job.Remaining -= work;
            job.SliceLeft -= seconds;
            WorkDone += work;
            if (job.Remaining / CoreSpeed <= Rounding)
            {
                WorkDone += job.Remaining;
                job.Remaining = 0;
                // Done first: the finished op gives its buffers back before the next one on this core rents its own.
                _running.Remove(job);
                job.Finish();
                Dispatch();
                return;
            }

            job.ReachMilestones(Rounding * CoreSpeed);
            if (job.SliceLeft > Rounding)
            {
                // Stopped at a milestone inside its slice: the rest of the slice is still its own.
                RunSlice(job);
                return;
            }

            if (_waiting.Count == 0)
            {
                job.SliceLeft = _slice;
                RunSlice(job);
                return;
            }

            _running.Remove(job);
            _waiting.Enqueue(job);
            Dispatch();
        });
    }

    private sealed class Job(double seconds, Action? started, Action done, IReadOnlyList<Milestone>? milestones)
    {
        private Action? _started = started;
        private int _reached;

        public double Seconds { get; } = seconds;

        public double Remaining { get; set; } = seconds;

        /// <summary>Under time slicing: what is left of the slice it holds a core for.</summary>
        public double SliceLeft { get; set; }

        public long Generation { get; set; }

        /// <summary>Full-speed work until its next milestone, or until its end when none is left.</summary>
        public double UntilNextEvent =>
            milestones is not null && _reached < milestones.Count
                ? Math.Clamp(milestones[_reached].Work - (Seconds - Remaining), 0, Remaining)
                : Remaining;

        /// <summary>Runs the job's start callback the first time it gets a core, then the milestones at its start.</summary>
        public void Begin()
        {
            var begun = _started;
            _started = null;
            begun?.Invoke();
            ReachMilestones(0);
        }

        /// <summary>Runs the milestones its work has reached, within <paramref name="tolerance"/>.</summary>
        public void ReachMilestones(double tolerance)
        {
            while (milestones is not null && _reached < milestones.Count && milestones[_reached].Work <= Seconds - Remaining + tolerance)
            {
                milestones[_reached++].Reached();
            }
        }

        /// <summary>Runs the milestones left, then the job's end.</summary>
        public void Finish()
        {
            ReachMilestones(double.PositiveInfinity);
            done();
        }
    }
}

/// <summary>Something that happens when a job has done <paramref name="Work"/> full-speed seconds of its work.</summary>
public sealed record Milestone(double Work, Action Reached);
