using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cybernet.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using NpgsqlTypes;

namespace Cybernet.Benchmarks;

/// <summary>
/// Signal delivery through hub, grain and observer with many users connected: real SignalR .NET clients
/// against the real web node and silo. Baseline in the same run: a bare hub round trip (no grain).
/// </summary>
public static partial class SignalDelivery
{
    private const string Password = "bench password 1";

    /// <summary>Many users, signed in and connected, in contact pairs: user k and user k + half.</summary>
    internal sealed record Crowd(Account[] Accounts, CookieContainer[] Cookies, HubConnection[] Hubs, TimeSpan Created, TimeSpan SignedIn, TimeSpan Connected, long MemoryBefore, long MemoryAfter)
    {
        public int Half => Accounts.Length / 2;
    }

    /// <summary>Creates <paramref name="users"/> accounts, signs each in, connects a hub for each (<paramref name="wire"/> adds its handlers) and pairs them.</summary>
    internal static async Task<Crowd> CrowdAsync(AppCluster app, int users, Action<HubConnection, int> wire)
    {
        var web = app.Webs[0].BaseAddress;
        var clock = Stopwatch.StartNew();
        var accounts = await CreateAccountsAsync(web, app.ConnectionString, users);
        var created = clock.Elapsed;

        var cookies = new CookieContainer[users];
        await Parallel.ForEachAsync(Enumerable.Range(0, users), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            cookies[i] = await SignInAsync(web, accounts[i].UserName));
        var signedIn = clock.Elapsed;

        var memoryBefore = app.Webs[0].ResidentBytes() + app.Silos.Sum(s => s.ResidentBytes());
        var hubs = new HubConnection[users];
        await Parallel.ForEachAsync(Enumerable.Range(0, users), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var hub = SessionHubClient.Build(web, cookies[i]);
            hub.On<JsonElement>("Presence", _ => { });
            hub.On("ContactsChanged", () => { });
            wire(hub, i);
            await hub.StartAsync();
            hubs[i] = hub;
        });
        var connected = clock.Elapsed;

        // Pairs: user k and user k + half are contacts.
        var half = users / 2;
        await Parallel.ForEachAsync(Enumerable.Range(0, half), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (k, _) =>
        {
            await hubs[k].InvokeAsync<string>("RequestContact", accounts[k + half].UserName);
            await TestWait.UntilAsync(async () =>
            {
                try
                {
                    await hubs[k + half].InvokeAsync("AcceptContact", accounts[k].Id);
                    return true;
                }
                catch (Microsoft.AspNetCore.SignalR.HubException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "the request arrives");
        });
        GC.Collect();
        await TestWait.UntilAsync(async () => (await hubs[0].InvokeAsync<JsonElement>("GetContacts")).GetProperty("contacts").GetArrayLength() == 1, TimeSpan.FromSeconds(30), "the last pair is contacts");
        var memoryAfter = app.Webs[0].ResidentBytes() + app.Silos.Sum(s => s.ResidentBytes());
        return new Crowd(accounts, cookies, hubs, created, signedIn, connected, memoryBefore, memoryAfter);
    }

    public static async Task RunAsync(AppCluster app, int users, int perSecond, TimeSpan duration)
    {
        var received = new ConcurrentDictionary<long, long>();
        var crowd = await CrowdAsync(app, users, (hub, _) => hub.On<JsonElement>("Signal", s =>
        {
            var payload = JsonDocument.Parse(s.GetProperty("payload").GetString()!);
            received.TryAdd(payload.RootElement.GetProperty("seq").GetInt64(), Stopwatch.GetTimestamp());
        }));
        var (accounts, _, hubs, created, signedIn, connected, memoryBefore, memoryAfter) = crowd;
        var half = crowd.Half;

        // Warm-up, then the baseline and the signal runs, each paced at perSecond.
        await PacedAsync(perSecond, TimeSpan.FromSeconds(2), async (n, _) => await hubs[n % users].InvokeAsync<string>("WhoAmI"));
        var roundTrips = new ConcurrentBag<double>();
        await PacedAsync(perSecond, duration, async (n, _) =>
        {
            var t0 = Stopwatch.GetTimestamp();
            await hubs[n % users].InvokeAsync<string>("WhoAmI");
            roundTrips.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        });

        var sentAt = new ConcurrentDictionary<long, long>();
        var failures = 0;
        var outcomes = new ConcurrentDictionary<string, int>();
        var sent = await PacedAsync(perSecond, duration, async (n, seq) =>
        {
            var k = n % half;
            sentAt[seq] = Stopwatch.GetTimestamp();
            try
            {
                var result = await hubs[k].InvokeAsync<JsonElement>("SendSignal", new { to = accounts[k + half].Id, kind = "candidate", payload = $"{{\"seq\":{seq}}}" });
                outcomes.AddOrUpdate(result.GetProperty("outcome").GetString() ?? "?", 1, (_, c) => c + 1);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref failures);
            }
        });

        // Every signal the hub called delivered should arrive; what has not after 30 s is counted as lost, not waited for.
        var delivered = outcomes.GetValueOrDefault("Delivered");
        try
        {
            await TestWait.UntilAsync(() => Task.FromResult(received.Count >= delivered), TimeSpan.FromSeconds(30), "every delivered signal arrives");
        }
        catch (TimeoutException)
        {
        }

        var latencies = sentAt.Where(s => received.ContainsKey(s.Key))
            .Select(s => Stopwatch.GetElapsedTime(s.Value, received[s.Key]).TotalMilliseconds).ToList();

        Report.Section($"Signal delivery: {users} connected SignalR clients ({half} contact pairs), {perSecond} signals/s for {duration.TotalSeconds:F0} s, one web node, {app.Silos.Count} silo(s)");
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"setup: {users} accounts in {created.TotalSeconds:F1} s, signed in by {signedIn.TotalSeconds:F1} s, connected by {connected.TotalSeconds:F1} s"));
        var signals = new Stats("signal sender -> hub -> grain -> other client", latencies);
        var baseline = new Stats("baseline: bare hub round trip (WhoAmI)", [.. roundTrips]);
        Report.Line(signals.ToString());
        Report.Line(baseline.ToString());
        Report.Line(Stats.Ratio(signals, baseline));
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"signals sent {sent}, arrived {latencies.Count}, failed {failures}; the hub answered {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}"));
        Report.Line(string.Create(CultureInfo.InvariantCulture,
            $"server memory (web + silo RSS): {memoryBefore / 1048576.0:F0} MiB before connections, {memoryAfter / 1048576.0:F0} MiB with {users} connected: {(memoryAfter - memoryBefore) / (double)users / 1024:F1} KiB per connected user"));

        await Parallel.ForEachAsync(hubs, async (h, _) => await h.DisposeAsync());
    }

    /// <summary>Starts <paramref name="work"/> at a steady rate (not waiting for each to finish), then waits for all.</summary>
    internal static async Task<int> PacedAsync(int perSecond, TimeSpan duration, Func<int, long, Task> work)
    {
        var total = (int)(perSecond * duration.TotalSeconds);
        var started = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var n = 0; n < total; n++)
        {
            var due = TimeSpan.FromSeconds(n / (double)perSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            started.Add(work(n, Interlocked.Increment(ref sequence)));
        }

        await Task.WhenAll(started);
        return total;
    }

    private static long sequence;

    internal sealed record Account(Guid Id, string UserName);

    /// <summary>
    /// Accounts straight into the Identity table, all with the password hash of one account signed up through
    /// the real form (the benchmark is about signals, not sign-up).
    /// </summary>
    private static async Task<Account[]> CreateAccountsAsync(Uri web, string connectionString, int count)
    {
        await SignUpTemplateAsync(web);
        await using var db = new Npgsql.NpgsqlConnection(connectionString);
        await db.OpenAsync();
        string hash;
        await using (var read = new Npgsql.NpgsqlCommand("select \"PasswordHash\" from accounts.\"AspNetUsers\" where \"UserName\" = 'benchtemplate'", db))
        {
            hash = (string)(await read.ExecuteScalarAsync())!;
        }

        var accounts = Enumerable.Range(0, count).Select(i => new Account(Guid.NewGuid(), $"bench{i:D5}")).ToArray();
        await using var import = await db.BeginBinaryImportAsync(
            "COPY accounts.\"AspNetUsers\" (\"Id\", \"DisplayName\", \"UserName\", \"NormalizedUserName\", \"Email\", \"NormalizedEmail\", " +
            "\"EmailConfirmed\", \"PasswordHash\", \"SecurityStamp\", \"ConcurrencyStamp\", \"PhoneNumberConfirmed\", \"TwoFactorEnabled\", " +
            "\"LockoutEnabled\", \"AccessFailedCount\") FROM STDIN (FORMAT BINARY)");
        foreach (var a in accounts)
        {
            await import.StartRowAsync();
            await import.WriteAsync(a.Id, NpgsqlDbType.Uuid);
            await import.WriteAsync($"Bench {a.UserName}");
            await import.WriteAsync(a.UserName);
            await import.WriteAsync(a.UserName.ToUpperInvariant());
            await import.WriteAsync($"{a.UserName}@example.test");
            await import.WriteAsync($"{a.UserName}@EXAMPLE.TEST");
            await import.WriteAsync(true);
            await import.WriteAsync(hash);
            await import.WriteAsync(Guid.NewGuid().ToString("N").ToUpperInvariant());
            await import.WriteAsync(Guid.NewGuid().ToString());
            await import.WriteAsync(false);
            await import.WriteAsync(false);
            await import.WriteAsync(true);
            await import.WriteAsync(0);
        }

        await import.CompleteAsync();
        return accounts;
    }

    private static async Task SignUpTemplateAsync(Uri web)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = web };
        var form = await http.GetStringAsync("/Account/SignUp");
        var response = await http.PostAsync("/Account/SignUp", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.UserName"] = "benchtemplate",
            ["Input.DisplayName"] = "Bench Template",
            ["Input.Email"] = "benchtemplate@example.test",
            ["Input.Password"] = Password,
            ["__RequestVerificationToken"] = Token().Match(form).Groups[1].Value,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"template sign-up failed: {response.StatusCode}");
        }
    }

    private static async Task<CookieContainer> SignInAsync(Uri web, string userName)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = web };
        var form = await http.GetStringAsync("/Account/SignIn");
        var token = Token().Match(form).Groups[1].Value;
        var response = await http.PostAsync("/Account/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Login"] = userName,
            ["Input.Password"] = Password,
            ["__RequestVerificationToken"] = token,
        }));
        return response.StatusCode == HttpStatusCode.Redirect
            ? cookies
            : throw new InvalidOperationException($"sign-in of {userName} failed: {response.StatusCode}");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
