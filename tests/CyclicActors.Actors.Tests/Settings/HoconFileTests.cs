using Akka.Configuration;
using CyclicActors.Actors.Settings;

namespace CyclicActors.Actors.Tests.Settings;

/// <summary>
/// HOCON files are read strictly: what Akka's lenient parser would take silently (an unclosed
/// brace, text after the root object, a key with no value) or crash on (an include) is refused
/// with the file and the line named, and includes are resolved next to the including file.
/// </summary>
public sealed class HoconFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cyclic-hocon-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("a {\n  b = 1\n", "line 1: '{' is never closed")]
    [InlineData("a.b = 1\n}} garbage", "line 2: '}' has no matching '{'")]
    [InlineData("{ a = 1 }\ngarbage", "line 2: text after the '}' that closes the file's root object on line 1")]
    [InlineData("a = [1, 2\n", "line 1: '[' is never closed")]
    [InlineData("a { b = [1, 2 }\n]", "line 1: '}' closes the '[' opened on line 1")]
    [InlineData("a = \"unterminated\nb = 2", "line 1: a quoted string is not closed on its line")]
    [InlineData("a = \"\"\"never\nclosed", "line 1: a \"\"\" string is never closed")]
    [InlineData("a = ${b\nb = 1", "line 1: a ${ substitution is not closed on its line")]
    public void Structural_problems_are_found_with_their_line(string text, string problem)
    {
        Assert.Equal(problem, HoconFile.SyntaxProblem(text));
    }

    [Theory]
    [InlineData("a = 1")]
    [InlineData("{ a = 1 }\n# a comment after the root object\n")]
    [InlineData("a = \"{ [ not brackets ] }\" # neither { here\n// nor [ here\nb = \"\"\"\n  } ] multi-line\n\"\"\"\nc = ${a}")]
    [InlineData("a = \"escaped \\\" quote {\"\nb { c = [1, {d = 2}] }")]
    [InlineData("akka.remote.dot-netty.tcp { hostname = \"127.0.0.1\", port = 0 }\nurl = http://host/x")]
    public void Well_formed_text_has_no_structural_problem(string text)
    {
        Assert.Null(HoconFile.SyntaxProblem(text));
    }

    [Theory]
    [InlineData("unclosed.conf", "akka {\n  loglevel = INFO\n", "line 1: '{' is never closed")]
    [InlineData("trailing.conf", "akka.loglevel = INFO\n}} garbage here\n", "line 2: '}' has no matching '{'")]
    [InlineData("lone-word.conf", "akka.loglevel = INFO\ngarbage\n", "key 'garbage' has no value")]
    [InlineData("cut.conf", "a = 1\nb = ", "key 'b' has no value")]
    [InlineData("missing-value.conf", "a = }", "'}' has no matching '{'")]
    public void Malformed_files_are_refused_naming_the_file_and_the_problem(string name, string text, string problem)
    {
        var path = Write(name, text);
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Parse(path));
        Assert.Contains($"Configuration file '{path}' is not valid HOCON", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void An_include_is_read_from_beside_the_including_file_and_the_including_file_wins()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "profiles"));
        Write(Path.Combine("profiles", "base.conf"), "cyclic-actors.transport.window-chunks = 3\ncyclic-actors.transport.chunk-bytes = 64 KiB");
        var node = Write("node.conf", "include \"profiles/base.conf\"\ncyclic-actors.transport.window-chunks = 4");

        var config = HoconFile.Parse(node);

        Assert.Equal(4, config.GetInt("cyclic-actors.transport.window-chunks"));
        Assert.Equal(65536, config.GetByteSize("cyclic-actors.transport.chunk-bytes"));
    }

    [Fact]
    public void A_missing_include_is_named_with_the_file_that_includes_it()
    {
        var node = Write("node.conf", "include \"nope.conf\"\n");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Parse(node));
        Assert.Equal($"Configuration file '{node}' includes '{Path.Combine(_directory, "nope.conf")}', which does not exist.", error.Message);
    }

    [Fact]
    public void A_malformed_included_file_is_named()
    {
        var included = Write("broken.conf", "a {\n");
        var node = Write("node.conf", "include \"broken.conf\"\n");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Parse(node));
        Assert.Contains($"'{included}' is not valid HOCON: line 1: '{{' is never closed", error.Message);
    }

    [Fact]
    public void An_include_cycle_is_refused()
    {
        Write("b.conf", "include \"a.conf\"\n");
        var a = Write("a.conf", "include \"b.conf\"\n");
        var error = Assert.Throws<ConfigurationException>(() => HoconFile.Parse(a));
        Assert.Contains("an include cycle", error.Message);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
