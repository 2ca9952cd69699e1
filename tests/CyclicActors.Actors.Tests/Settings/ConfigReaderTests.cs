using Akka.Configuration;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Tests.Settings;

public sealed class ConfigReaderTests
{
    private static readonly Config Sample = ConfigurationFactory.ParseString("""
        count = 3
        word = some
        blank = "  "
        interval = 250ms
        zero-interval = 0s
        size = 64k
        switch = on
        broken-switch = maybe
        """);

    [Fact]
    public void Every_reader_names_a_missing_key()
    {
        string Missing(Action read) => Assert.Throws<ConfigurationException>(read).Message;

        Assert.Equal("Missing configuration key 'absent'.", Missing(() => ConfigReader.RequireString(Sample, "absent")));
        Assert.Equal("Missing configuration key 'absent'.", Missing(() => ConfigReader.RequireInt(Sample, "absent", minimum: 0)));
        Assert.Equal("Missing configuration key 'absent'.", Missing(() => ConfigReader.RequirePositiveDuration(Sample, "absent", example: "5ms")));
        Assert.Equal("Missing configuration key 'absent'.", Missing(() => ConfigReader.RequireBytes(Sample, "absent", minimum: 0)));
    }

    [Fact]
    public void Integers_are_checked_against_their_minimum_and_say_what_else_the_key_accepts()
    {
        Assert.Equal(3, ConfigReader.RequireInt(Sample, "count", minimum: 3));
        Assert.Equal("Configuration key 'count' must be at least 4; got 3.",
            Assert.Throws<ConfigurationException>(() => ConfigReader.RequireInt(Sample, "count", minimum: 4)).Message);
        Assert.StartsWith("Configuration key 'word' must be an integer: ",
            Assert.Throws<ConfigurationException>(() => ConfigReader.RequireInt(Sample, "word", minimum: 0)).Message);
        Assert.StartsWith("Configuration key 'word' must be 'all' or an integer: ",
            Assert.Throws<ConfigurationException>(() => ConfigReader.RequireInt(Sample, "word", minimum: 0, expected: "'all' or an integer")).Message);
    }

    [Fact]
    public void Durations_must_be_positive_and_show_the_callers_example()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(250), ConfigReader.RequirePositiveDuration(Sample, "interval", example: "5ms"));
        Assert.StartsWith("Configuration key 'zero-interval' must be a positive duration",
            Assert.Throws<ConfigurationException>(() => ConfigReader.RequirePositiveDuration(Sample, "zero-interval", example: "5ms")).Message);
        Assert.StartsWith("Configuration key 'word' must be a duration such as 120s: ",
            Assert.Throws<ConfigurationException>(() => ConfigReader.RequirePositiveDuration(Sample, "word", example: "120s")).Message);
    }

    [Fact]
    public void Strings_sizes_and_switches_read_as_their_types()
    {
        Assert.Equal("some", ConfigReader.RequireString(Sample, "word"));
        Assert.Equal("Configuration key 'blank' must not be empty.", Assert.Throws<ConfigurationException>(() => ConfigReader.RequireString(Sample, "blank")).Message);
        Assert.Equal(64 * 1024, ConfigReader.RequireBytes(Sample, "size", minimum: 4));
        Assert.StartsWith("Configuration key 'size' must be between 1000000 and ",
            Assert.Throws<ConfigurationException>(() => ConfigReader.RequireBytes(Sample, "size", minimum: 1_000_000)).Message);
        Assert.Equal("some", ConfigReader.StringOr(Sample, "word", "fallback"));
        Assert.Equal("fallback", ConfigReader.StringOr(Sample, "absent", "fallback"));
        Assert.Null(ConfigReader.StringOr(Sample, "absent", null));
        Assert.True(ConfigReader.BooleanOr(Sample, "switch", fallback: false));
        Assert.True(ConfigReader.BooleanOr(Sample, "absent", fallback: true));
        Assert.Equal("Configuration key 'broken-switch' must be on or off; got 'maybe'.",
            Assert.Throws<ConfigurationException>(() => ConfigReader.BooleanOr(Sample, "broken-switch", fallback: false)).Message);
    }
}
