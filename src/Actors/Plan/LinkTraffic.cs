namespace CyclicActors.Actors.Plan;

/// <summary>
/// How evenly bytes cross links over a measured interval: the interval is cut into equal windows,
/// each chunk's bytes are spread over the time it occupied the wire (a chunk on an unlimited link
/// counts at its instant), and burstiness is the fullest window over the mean window. 1 is
/// perfectly even; DP, whose gradients all leave in the backward half, scores about 2 or more.
/// </summary>
public static class LinkTraffic
{
    /// <summary>Peak over mean bytes per window of <paramref name="windowSeconds"/> in [<paramref name="from"/>, <paramref name="to"/>); 0 when nothing crossed.</summary>
    public static double Burstiness(IEnumerable<Transmission> transmissions, double from, double to, double windowSeconds)
    {
        ArgumentNullException.ThrowIfNull(transmissions);
        if (!(to > from) || !(windowSeconds > 0))
        {
            throw new ArgumentException($"Need an interval and a positive window; got [{from}, {to}) and {windowSeconds} s.");
        }

        int windows = (int)Math.Clamp(Math.Floor((to - from) / windowSeconds), 1, 1_000_000);
        double width = (to - from) / windows;
        var bytes = new double[windows];
        foreach (var chunk in transmissions)
        {
            if (chunk.End <= chunk.Start)
            {
                if (chunk.Start >= from && chunk.Start < to)
                {
                    bytes[Math.Min(windows - 1, (int)((chunk.Start - from) / width))] += chunk.Bytes;
                }

                continue;
            }

            double start = Math.Max(chunk.Start, from);
            double end = Math.Min(chunk.End, to);
            double perSecond = chunk.Bytes / (chunk.End - chunk.Start);
            for (double at = start; at < end;)
            {
                int window = Math.Min(windows - 1, (int)((at - from) / width));
                double windowEnd = Math.Min(end, from + ((window + 1) * width));
                if (windowEnd <= at)
                {
                    // Rounding put the boundary at this instant: the rest belongs to the next window.
                    windowEnd = Math.Min(end, at + width);
                }

                bytes[window] += (windowEnd - at) * perSecond;
                at = windowEnd;
            }
        }

        double total = bytes.Sum();
        return total <= 0 ? 0 : bytes.Max() / (total / windows);
    }

    /// <summary>The share of [<paramref name="from"/>, <paramref name="to"/>) the wire spent carrying chunks.</summary>
    public static double BusyFraction(IEnumerable<Transmission> transmissions, double from, double to)
    {
        ArgumentNullException.ThrowIfNull(transmissions);
        double busy = transmissions.Sum(chunk => Math.Max(0, Math.Min(chunk.End, to) - Math.Max(chunk.Start, from)));
        return to > from ? busy / (to - from) : 0;
    }
}
