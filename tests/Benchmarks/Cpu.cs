using System.Globalization;

namespace Cybernet.Benchmarks;

/// <summary>
/// CPU time of a process tree, by process type and thread name ("renderer/WebRTC_Network"), from /proc: what a run
/// cost, and where.
/// </summary>
public static class Cpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static Dictionary<string, double> Of(int root)
    {
        var result = new Dictionary<string, double>();
        foreach (var pid in Memory.Tree(root))
        {
            var label = Label(pid);
            IEnumerable<string> tasks;
            try
            {
                tasks = Directory.EnumerateDirectories($"/proc/{pid}/task").ToList();
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var task in tasks)
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var open = stat.IndexOf('(');
                    var close = stat.LastIndexOf(')');
                    var name = new string(stat[(open + 1)..close].Where(c => !char.IsDigit(c)).ToArray()).TrimEnd('/', ' ', '_', '-');
                    var fields = stat[(close + 2)..].Split(' ');
                    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    var key = $"{label}/{name}";
                    result[key] = result.GetValueOrDefault(key) + (ticks / TicksPerSecond);
                }
                catch (IOException)
                {
                }
            }
        }

        return result;
    }

    /// <summary>
    /// One process's CPU seconds (user and system) from /proc/PID/stat, which keeps the time of threads that have exited
    /// (a sum over /proc/PID/task loses it, and can go backwards between two reads).
    /// </summary>
    public static double ProcessSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>The whole machine's CPU time by kind (first line of /proc/stat), in seconds summed over all cores.</summary>
    public static Dictionary<string, double> Machine()
    {
        string[] kinds = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        return kinds.Select((k, i) => (k, v: long.Parse(fields[i], CultureInfo.InvariantCulture) / TicksPerSecond)).ToDictionary(p => p.k, p => p.v);
    }

    public static Dictionary<string, double> Minus(Dictionary<string, double> after, Dictionary<string, double> before) =>
        after.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key));

    public static Dictionary<string, double> Add(Dictionary<string, double> a, Dictionary<string, double> b) =>
        a.Keys.Union(b.Keys).ToDictionary(k => k, k => a.GetValueOrDefault(k) + b.GetValueOrDefault(k));

    /// <summary>The machine's CPU by kind, per GiB moved (all cores: 2 cores give 2 s per second).</summary>
    public static string DescribeMachine(Dictionary<string, double> seconds, double gib) =>
        string.Join(", ", seconds.Where(p => p.Value > 0.05 * gib).OrderByDescending(p => p.Value)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value / gib:0.0}")));

    /// <summary>Total seconds, then the threads that took the most, per GiB moved.</summary>
    public static string Describe(Dictionary<string, double> seconds, double gib, int top = 8) =>
        string.Create(CultureInfo.InvariantCulture, $"{seconds.Values.Sum() / gib:0.0} s/GiB: ") +
        string.Join(", ", seconds.Where(p => p.Value > 0).OrderByDescending(p => p.Value).Take(top)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value / gib:0.0}")));

    private static string Label(int pid)
    {
        try
        {
            // Chromium rewrites its children's command lines into one string: split on both.
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', ' ');
            var type = cmdline.FirstOrDefault(a => a.StartsWith("--type=", StringComparison.Ordinal))?["--type=".Length..];
            var sub = cmdline.FirstOrDefault(a => a.StartsWith("--utility-sub-type=", StringComparison.Ordinal))?.Split('.').ElementAtOrDefault(0)?["--utility-sub-type=".Length..];
            return type switch
            {
                null => "browser",
                "utility" => sub ?? "utility",
                _ => type,
            };
        }
        catch (IOException)
        {
            return "gone";
        }
    }
}
