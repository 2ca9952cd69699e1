using CyclicActors.Actors.Compensation;
using CyclicActors.Actors.Schedule;

namespace CyclicActors.Actors.Tests.Pure;

public sealed class CompensationForRuleTests
{
    [Theory]
    [InlineData(UpdateRule.Dp, DelayCompensation.None, DelayCompensation.None)]
    [InlineData(UpdateRule.Dp, DelayCompensation.Lookahead, DelayCompensation.None)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.None, DelayCompensation.None)]
    [InlineData(UpdateRule.CdpV1, DelayCompensation.Lookahead, DelayCompensation.Lookahead)]
    [InlineData(UpdateRule.CdpV2, DelayCompensation.Lookahead, DelayCompensation.Lookahead)]
    public void Dp_has_nothing_to_compensate_and_the_cdp_rules_keep_what_was_asked(UpdateRule rule, DelayCompensation requested, DelayCompensation effective) =>
        Assert.Equal(effective, CompensationForRule.Effective(rule, requested));
}
