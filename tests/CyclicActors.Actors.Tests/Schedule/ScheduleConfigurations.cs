using Xunit;
namespace CyclicActors.Actors.Tests.Schedule;

/// <summary>Every (N, L) in 1..8 × 1..8 a CDP schedule accepts (N | 2L), as xUnit theory data.</summary>
public static class ScheduleConfigurations
{
    public static TheoryData<int, int> CdpConfigurations()
    {
        var data = new TheoryData<int, int>();
        foreach (var (workers, stages) in CdpPairs())
        {
            data.Add(workers, stages);
        }

        return data;
    }

    public static TheoryData<int, int> AllConfigurations()
    {
        var data = new TheoryData<int, int>();
        for (var workers = 1; workers <= 8; workers++)
        {
            for (var stages = 1; stages <= 8; stages++)
            {
                data.Add(workers, stages);
            }
        }

        return data;
    }

    public static IEnumerable<(int Workers, int Stages)> CdpPairs()
    {
        for (var workers = 1; workers <= 8; workers++)
        {
            for (var stages = 1; stages <= 8; stages++)
            {
                if (2 * stages % workers == 0)
                {
                    yield return (workers, stages);
                }
            }
        }
    }
}
