namespace Cybernet.Benchmarks;

/// <summary>Prints benchmark output: sections and lines, to stdout.</summary>
public static class Report
{
    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"## {title}");
    }

    public static void Line(string text) => Console.WriteLine(text);
}
