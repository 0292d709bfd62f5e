namespace Cybernet.Testing;

/// <summary>
/// The app as it runs in production, on loopback: silos and web nodes as real processes on one fresh
/// PostgreSQL database, with short presence leases so expiry can be watched in seconds.
/// </summary>
public sealed class AppCluster : IAsyncDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private readonly List<NodeProcess> nodes = [];
    private string connectionString = "";
    private readonly string serviceId = $"test-{Guid.NewGuid():N}"[..16];
    private readonly List<(bool Silo, string Name, IReadOnlyDictionary<string, string>? Extra)> started = [];
    private string clusterId;

    private AppCluster() => clusterId = serviceId;

    public IReadOnlyList<NodeProcess> Silos => nodes.Where(n => n.Name.StartsWith("silo", StringComparison.Ordinal)).ToList();

    public IReadOnlyList<NodeProcess> Webs => nodes.Where(n => n.Name.StartsWith("web", StringComparison.Ordinal)).ToList();

    public string ConnectionString => connectionString;

    /// <summary>The Orleans cluster id of this cluster's silos, for clients that join it (new after <see cref="RestartAsync"/>).</summary>
    public string ClusterId => clusterId;

    /// <summary>The Orleans service id: grain state and reminders are kept under it, across restarts.</summary>
    public string ServiceId => serviceId;

    /// <summary>The real SMTP server every web node of this cluster sends through.</summary>
    public MailCatcher Mail { get; private set; } = null!;

    /// <summary>
    /// Starts <paramref name="silos"/> silos and <paramref name="webs"/> web nodes on a fresh database. Tests get short
    /// presence leases (3 s, renewed every second, swept every 250 ms); <paramref name="productionPresence"/> keeps the product's own
    /// (30 s, renewed every 10 s, swept every 5 s), as a benchmark of the server's cost per user must.
    /// </summary>
    /// <param name="everyNode">Settings (or environment variables, such as the GC's) for every silo and web node.</param>
    /// <param name="siloOnly">The same for the silos only.</param>
    public static async Task<AppCluster> StartAsync(
        int silos, int webs, IReadOnlyDictionary<string, string>? webSettings = null, bool productionPresence = false, IReadOnlyDictionary<string, string>? everyNode = null,
        IReadOnlyDictionary<string, string>? siloOnly = null)
    {
        var cluster = new AppCluster();
        cluster.Mail = await MailCatcher.GetSharedAsync();
        var postgres = await PostgresServer.GetSharedAsync();
        cluster.connectionString = await postgres.CreateDatabaseAsync("app");
        try
        {
            var siloSettings = new Dictionary<string, string>(everyNode ?? new Dictionary<string, string>());
            foreach (var (k, v) in siloOnly ?? new Dictionary<string, string>())
            {
                siloSettings[k] = v;
            }

            if (productionPresence)
            {
                siloSettings["Presence:Lease"] = "00:00:30";
                siloSettings["Presence:Sweep"] = "00:00:05";
            }

            var web = new Dictionary<string, string>(everyNode ?? new Dictionary<string, string>());
            foreach (var (k, v) in webSettings ?? new Dictionary<string, string>())
            {
                web[k] = v;
            }

            if (productionPresence)
            {
                web["Presence:RenewEvery"] = "00:00:10";
            }

            for (var i = 1; i <= silos; i++)
            {
                await cluster.AddSiloAsync($"silo{i}", siloSettings);
            }

            for (var i = 1; i <= webs; i++)
            {
                await cluster.AddWebAsync($"web{i}", web);
            }
        }
        catch
        {
            // A fixture whose start failed is never disposed: the nodes that did start would outlive the run.
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <param name="extra">Settings that add to or replace the defaults, such as fixed ports for a silo that restarts.</param>
    public async Task<NodeProcess> AddSiloAsync(string name, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Silo:ClusterId"] = clusterId,
            ["Silo:ServiceId"] = serviceId,
            ["Silo:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Presence:Lease"] = Lease.ToString(),
            ["Presence:Sweep"] = "00:00:00.250",
            ["Calls:TestClock"] = "true",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            settings[k] = v;
        }

        var silo = await NodeProcess.StartAsync("Silo", name, settings);
        nodes.Add(silo);
        started.Add((true, name, extra));
        return silo;
    }

    public async Task<NodeProcess> AddWebAsync(string name, IReadOnlyDictionary<string, string>? extra = null, string? alsoListenOn = null)
    {
        var settings = new Dictionary<string, string>(Mail.WebSettings)
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Cluster:ClusterId"] = clusterId,
            ["Cluster:ServiceId"] = serviceId,
            ["Presence:RenewEvery"] = (Lease / 3).ToString(),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            settings[k] = v;
        }

        // Links in emails point at the node that sent them, as PublicBaseUrl does in production.
        var web = await NodeProcess.StartAsync("Web", name, settings, publicBaseUrlSetting: "Email:PublicBaseUrl", alsoListenOn: alsoListenOn);
        nodes.Add(web);
        started.Add((false, name, extra));
        return web;
    }

    /// <summary>Moves every silo's call clock forward: a ring times out without the test waiting for it.</summary>
    public async Task AdvanceCallClockAsync(TimeSpan by)
    {
        using var http = new HttpClient();
        foreach (var silo in Silos.Where(s => !s.HasExited))
        {
            var seconds = by.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            (await http.PostAsync(new Uri(silo.BaseAddress, $"/test/calls/clock?seconds={seconds}"), null)).EnsureSuccessStatusCode();
        }
    }

    /// <summary>
    /// Stops every node and starts them again with the settings they were first started with, as a new Orleans cluster
    /// (a new cluster id, so nobody waits on the dead silos) of the same service on the same database: accounts, sign-in
    /// cookies and grain state stay. For a benchmark that needs fresh processes each round; <paramref name="webExtra"/>
    /// adds settings to the web nodes for this start only (a GC mode to compare, say), <paramref name="siloExtra"/> to the silos.
    /// </summary>
    public async Task RestartAsync(IReadOnlyDictionary<string, string>? webExtra = null, IReadOnlyDictionary<string, string>? siloExtra = null)
    {
        var again = started.ToList();
        foreach (var node in Enumerable.Reverse(nodes))
        {
            await node.DisposeAsync();
        }

        nodes.Clear();
        clusterId = $"test-{Guid.NewGuid():N}"[..16];
        foreach (var (silo, name, extra) in again.OrderByDescending(n => n.Silo))
        {
            var settings = new Dictionary<string, string>(extra ?? new Dictionary<string, string>());
            foreach (var (k, v) in (silo ? siloExtra : webExtra) ?? new Dictionary<string, string>())
            {
                settings[k] = v;
            }

            if (silo)
            {
                await AddSiloAsync(name, settings);
                continue;
            }

            await AddWebAsync(name, settings);
        }

        started.Clear();
        started.AddRange(again);
    }

    /// <summary>Everything every node has logged so far.</summary>
    public string AllOutput => string.Join("\n", nodes.Select(n => $"--- {n.Name}\n{n.Output}"));

    public async ValueTask DisposeAsync()
    {
        // Web nodes first, so their sessions leave while the silos still answer.
        foreach (var node in Enumerable.Reverse(nodes))
        {
            await node.DisposeAsync();
        }
    }
}
