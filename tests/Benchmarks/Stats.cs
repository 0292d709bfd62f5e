using System.Globalization;

namespace Cybernet.Benchmarks;

/// <summary>Percentiles of a sample, in milliseconds, and the lines a benchmark prints.</summary>
public sealed class Stats(string name, IReadOnlyList<double> samples)
{
    public string Name { get; } = name;

    public int Count => samples.Count;

    public double P(double percentile)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name,-44} n={Count,5}  p50={P(50),8:F2} ms  p95={P(95),8:F2} ms  p99={P(99),8:F2} ms  max={P(100),8:F2} ms");

    public static string Ratio(Stats ours, Stats baseline) => string.Create(CultureInfo.InvariantCulture,
        $"{"  ratio to baseline",-44} p50 x{ours.P(50) / baseline.P(50):F2}  p95 x{ours.P(95) / baseline.P(95):F2}  p99 x{ours.P(99) / baseline.P(99):F2}");
}
