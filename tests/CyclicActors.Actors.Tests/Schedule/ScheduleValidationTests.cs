using CyclicActors.Actors.Schedule;
using Xunit;

namespace CyclicActors.Actors.Tests.Schedule;

public sealed class ScheduleValidationTests
{
    [Fact]
    public void N_that_does_not_divide_2l_is_rejected_with_the_valid_n_listed()
    {
        var error = Assert.Throws<ArgumentException>(() => CdpSchedule.Create(3, 4, UpdateRule.CdpV1));
        Assert.StartsWith("N = 3 does not divide 2L = 8 for L = 4; valid N for L = 4: 1, 2, 4, 8", error.Message);
        Assert.Equal("workers", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(ScheduleConfigurations.AllConfigurations), MemberType = typeof(ScheduleConfigurations))]
    public void Cdp_accepts_exactly_the_divisors_of_2l_and_dp_accepts_any_n(int workers, int stages)
    {
        var divides = 2 * stages % workers == 0;
        Assert.Equal(divides, CdpSchedule.ValidWorkerCounts(stages).Contains(workers));
        foreach (var rule in new[] { UpdateRule.CdpV1, UpdateRule.CdpV2 })
        {
            if (divides)
            {
                Assert.Equal(workers, CdpSchedule.Create(workers, stages, rule).Workers);
            }
            else
            {
                Assert.Throws<ArgumentException>(() => CdpSchedule.Create(workers, stages, rule));
            }
        }

        Assert.Equal(workers, CdpSchedule.Create(workers, stages, UpdateRule.Dp).Workers);
    }

    [Fact]
    public void Non_positive_sizes_and_out_of_range_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CdpSchedule.Create(0, 4, UpdateRule.Dp));
        Assert.Throws<ArgumentOutOfRangeException>(() => CdpSchedule.Create(4, 0, UpdateRule.Dp));
        Assert.Throws<ArgumentOutOfRangeException>(() => CdpSchedule.Create(4, 4, (UpdateRule)7));
        var schedule = CdpSchedule.Create(4, 4, UpdateRule.CdpV1);
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.TickOf(0, 4, 1, OpKind.Forward));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.TickOf(0, 0, 5, OpKind.Forward));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.TickOf(-1, 0, 1, OpKind.Forward));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.RequiredVersion(0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.OpAt(0, -1));
    }

    [Theory]
    [InlineData("dp", UpdateRule.Dp)]
    [InlineData("cdp-v1", UpdateRule.CdpV1)]
    [InlineData(" CDP-V2 ", UpdateRule.CdpV2)]
    public void Update_rules_parse_from_their_cli_names(string text, UpdateRule expected)
    {
        Assert.Equal(expected, UpdateRuleNames.ParseUpdateRule(text));
        Assert.Equal(text.Trim().ToLowerInvariant(), expected.ToCliName());
    }

    [Theory]
    [InlineData("schedule", V2FreshnessRule.Schedule)]
    [InlineData("paper-code", V2FreshnessRule.PaperCode)]
    public void Freshness_rules_parse_from_their_cli_names(string text, V2FreshnessRule expected)
    {
        Assert.Equal(expected, UpdateRuleNames.ParseFreshnessRule(text));
        Assert.Equal(text, expected.ToCliName());
    }

    [Fact]
    public void Unknown_names_fail_with_the_valid_values_listed()
    {
        var rule = Assert.Throws<ArgumentException>(() => UpdateRuleNames.ParseUpdateRule("cdp1"));
        Assert.Contains("'cdp1'", rule.Message);
        Assert.Contains("valid values: dp, cdp-v1, cdp-v2", rule.Message);
        var freshness = Assert.Throws<ArgumentException>(() => UpdateRuleNames.ParseFreshnessRule("code"));
        Assert.Contains("valid values: schedule, paper-code", freshness.Message);
    }
}
