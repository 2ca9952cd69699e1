using CyclicActors.Host.Cli;
using CyclicActors.Host.Commands;
using Xunit;

namespace CyclicActors.Host.Tests;

/// <summary>--data fashion-mnist finds Debian's copy, and says how to install it when it is absent.</summary>
public sealed class FashionMnistLocatorTests
{
    [Fact]
    public void The_name_resolves_to_debians_directory_when_it_holds_the_files()
    {
        string debian = CliRunner.TempDirectory();
        File.WriteAllBytes(Path.Combine(debian, "train-images-idx3-ubyte.gz"), []);
        Assert.Equal(debian, DataLocator.Resolve("fashion-mnist", debian));
        Assert.Equal("/some/dir", DataLocator.Resolve("/some/dir", debian));
    }

    [Fact]
    public void Without_the_package_the_refusal_says_how_to_install_it()
    {
        var e = Assert.Throws<UsageException>(() => DataLocator.Resolve("fashion-mnist", Path.Combine(CliRunner.TempDirectory(), "absent")));
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", e.Message);
    }

    [FashionMnistFact]
    public void Debians_copy_trains_when_it_is_installed()
    {
        var (code, output, error) = CliRunner.Run("train", "--data", "fashion-mnist", "--model", "mlp", "--steps", "5", "--backend", "cpu", "--quiet", "--eval-every", "0");
        Assert.True(code == 0, output + error);
        Assert.Contains("60000 samples of 1x28x28, 10 classes", output);
        Assert.Contains("on 10000 samples", output);
    }
}

/// <summary>A fact that needs Debian's Fashion-MNIST; skipped, saying so, where the package is not installed.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!File.Exists(Path.Combine(DataLocator.FashionMnistDirectory, "train-images-idx3-ubyte.gz")))
        {
            Skip = $"Debian's Fashion-MNIST is not installed ({DataLocator.FashionMnistDirectory}; apt-get install dataset-fashion-mnist)";
        }
    }
}
