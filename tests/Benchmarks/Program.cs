using System.Globalization;
using Cybernet.Benchmarks;
using Cybernet.Testing;

// dotnet run -c Release --project tests/Benchmarks -- [messaging|browser|signals|digests] [--users N] [--rate N] [--seconds N] [--tries N]
//   digests: [--users N (10000)] [--kill-users N (2000)] [--kill-after N (500)]
//   channels: [--mib N (512)] [--runs N (3)]: bare transfers over 1, 2 and 4 channels of one connection
//   calls: [--users N (5000)] [--rate N (50)] [--seconds N (10)] [--rounds N (3)]: call setups (ring, answer, hang up) against a bare hub round trip
//   calls-browser: [--tries N (20)] [--answer-after-ms N (1000)] [--first-time]: click Call -> ring, Accept (N ms after the ring) -> first remote frame, between two Chromium processes (--first-time: the site was never allowed the camera before, so no ring preview)
//   lab: [--tries N (10)] [--mib N (64)] [--runs N (2)]: the NAT lab's cells, click on a contact -> open data channel and the path; throughput direct, relayed over UDP and TCP; coturn CPU (root)
//   memory: [--users N (5000)] [--rounds N (3)] [--step N (1000)] [--variant-web-env NAME=VALUE] [--variant-node-env NAME=VALUE]: server memory per connected user
//           after a full GC, against a bare SignalR server; a variant (a GC mode, say) of the web node or of every node is measured beside ours in every round
//   --node-env NAME=VALUE (repeatable; signals, calls, memory): an environment variable for every node, such as DOTNET_gcServer
//   --web-env NAME=VALUE (repeatable; signals, calls, memory): the same for the web nodes only
//   --silo-env NAME=VALUE (repeatable; calls): the same for the silos only
//   files: [--mib N (1024)] [--runs N (3)] [--chunk BYTES] [--checkpoint-mib N] [--window-mib N] (default: the product's)
int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

// Every --node-env NAME=VALUE, for every silo and web node the benchmark starts; --web-env for the web nodes only.
Dictionary<string, string> Pairs(string option) => args.Select((a, i) => (a, i)).Where(p => p.a == option && p.i + 1 < args.Length)
    .Select(p => args[p.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
var nodeEnvironment = Pairs("--node-env");
var webEnvironment = Pairs("--web-env");
var siloEnvironment = Pairs("--silo-env");

var what = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !a.Contains('=', StringComparison.Ordinal) && !int.TryParse(a, out _)) ?? "messaging";
if (what == "bare-hub-server")
{
    // Not a benchmark: the memory benchmark's baseline server, started by it as a process of its own.
    await BareHubServer.RunAsync(args);
    return 0;
}

if (what is not ("messaging" or "browser" or "signals" or "digests" or "files" or "channels" or "calls" or "calls-browser" or "lab" or "memory"))
{
    Console.Error.WriteLine($"unknown benchmark '{what}'; known: messaging (= browser + signals), browser, signals, digests, files, channels, calls, calls-browser, lab, memory");
    return 2;
}

if (nodeEnvironment.Count > 0)
{
    Console.WriteLine($"# every node runs with {string.Join(", ", nodeEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}");
}

if (webEnvironment.Count > 0)
{
    Console.WriteLine($"# web nodes run with {string.Join(", ", webEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}");
}

if (siloEnvironment.Count > 0)
{
    Console.WriteLine($"# silos run with {string.Join(", ", siloEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}");
}

Console.WriteLine($"# Cybernet Call benchmark: {what}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
if (what is "messaging" or "browser")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1);
    await BrowserMessaging.RunAsync(app, Option("--tries", 20));
}

if (what is "messaging" or "signals")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1, webSettings: webEnvironment, productionPresence: true, everyNode: nodeEnvironment);
    await SignalDelivery.RunAsync(app, Option("--users", 2000), Option("--rate", 200), TimeSpan.FromSeconds(Option("--seconds", 15)));
}

if (what is "files")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1);
    var chunk = Option("--chunk", 0);
    int? Given(string name) => Option(name, 0) is > 0 and var n ? n : null;
    await FileTransfer.RunAsync(app, Option("--mib", 1024), Option("--runs", 3), chunk > 0 ? chunk : null, Given("--checkpoint-mib"), Given("--window-mib"));
}

if (what is "channels")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1);
    await FileTransfer.ChannelsAsync(app, Option("--mib", 512), Option("--runs", 3));
}

if (what is "calls")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1, webSettings: webEnvironment, productionPresence: true, everyNode: nodeEnvironment, siloOnly: siloEnvironment);
    await CallSetup.RunAsync(app, Option("--users", 5000), Option("--rate", 50), TimeSpan.FromSeconds(Option("--seconds", 10)), Option("--rounds", 3));
}

if (what is "calls-browser")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1);
    await CallBrowser.RunAsync(app, Option("--tries", 20), Option("--answer-after-ms", 1000), cameraAllowed: !args.Contains("--first-time"));
}

if (what is "memory")
{
    await using var app = await AppCluster.StartAsync(silos: 1, webs: 1, webSettings: webEnvironment, productionPresence: true, everyNode: nodeEnvironment);
    await MemoryFootprint.RunAsync(app, Option("--users", 5000), Option("--rounds", 3), Option("--step", 1000), Pairs("--variant-web-env"), Pairs("--variant-node-env"));
}

if (what is "lab")
{
    await Connectivity.RunAsync(Option("--tries", 10), Option("--mib", 64), Option("--runs", 2));
}

if (what is "digests")
{
    await DigestDelivery.RunAsync(Option("--users", 10_000), Option("--kill-users", 2_000), Option("--kill-after", 500));
}

return 0;
