using System.Globalization;
using Cybernet.Benchmarks;
using Cybernet.Testing;

// dotnet run -c Release --project tests/Benchmarks -- [messaging|browser|signals] [--users N] [--rate N] [--seconds N] [--tries N]
int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

var what = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)) ?? "messaging";
if (what is not ("messaging" or "browser" or "signals"))
{
    Console.Error.WriteLine($"unknown benchmark '{what}'; known: messaging (= browser + signals), browser, signals");
    return 2;
}

Console.WriteLine($"# Cybernet Call benchmark: {what}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
if (what is "messaging" or "browser")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1);
    await BrowserMessaging.RunAsync(app, Option("--tries", 20));
}

if (what is "messaging" or "signals")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1);
    await SignalDelivery.RunAsync(app, Option("--users", 2000), Option("--rate", 200), TimeSpan.FromSeconds(Option("--seconds", 15)));
}

return 0;
