using System.Globalization;

namespace CyclicActors.GpuDiagnostics;

/// <summary>Prints check rows as a fixed-width table as they arrive and counts passes and failures.</summary>
internal sealed class SelfTestReport
{
    private readonly TextWriter _output;
    private int _passed;
    private int _failed;
    private bool _headerWritten;

    public SelfTestReport(TextWriter output) => _output = output;

    public void Add(CheckResult result)
    {
        if (!_headerWritten)
        {
            _output.WriteLine($"{"op",-34} {"shape",-36} {"max abs err",12} {"max rel err",12} {"tolerance",10}  result");
            _headerWritten = true;
        }

        if (result.Passed)
        {
            _passed++;
        }
        else
        {
            _failed++;
        }

        string line = string.Create(CultureInfo.InvariantCulture,
            $"{Clip(result.Op, 34),-34} {Clip(result.Shape, 36),-36} {result.MaxAbsError,12:E2} {result.MaxRelError,12:E2} {result.Tolerance,10:E1}  {(result.Passed ? "PASS" : "FAIL")}");
        _output.WriteLine(string.IsNullOrEmpty(result.Detail) ? line : $"{line}  {result.Detail}");
        _output.Flush();
    }

    public SelfTestSummary Finish()
    {
        var summary = new SelfTestSummary(_passed, _failed, false, null);
        _output.WriteLine(summary.FinalLine);
        return summary;
    }

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "~";
}
