using System.Diagnostics;
using System.Globalization;

using Cybernet.Testing;
using Cybernet.Web.Accounts;
using Cybernet.Web.Digests;
using Cybernet.Web.Email;
using Cybernet.Web.Infrastructure;

using MailKit.Net.Smtp;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using MimeKit;

using Npgsql;

using NpgsqlTypes;

namespace Cybernet.Benchmarks;

/// <summary>
/// A digest pass over many users with a waiting message, against a real local SMTP server (smtp4dev), next to a
/// bare MailKit loop sending as many messages of the same size to the same server; then a pass killed mid-way
/// (a real process end between send and commit) and the next pass, counting duplicates.
/// </summary>
public static class DigestDelivery
{
    public static async Task RunAsync(int users, int killUsers, int killAfter)
    {
        await using var mail = await MailCatcher.StartAsync();
        await using var app = await AppCluster.StartAsync(silos: 1, webs: 0);
        // One web node migrates the schema and serves the key ring; its own schedule never fires during the run.
        await app.AddWebAsync("web", new Dictionary<string, string>(mail.WebSettings) { ["Digests:Schedule"] = "0 0 1 1 *" });

        Report.Section($"Digest pass: {users} users with a waiting message, one pass, smtp4dev on loopback, one silo");
        var clock = Stopwatch.StartNew();
        var seeded = await SeedAsync(app.ConnectionString, "bench", users);
        Report.Line($"setup: {users} accounts with a waiting message seeded in {clock.Elapsed.TotalSeconds:0.0} s");

        using var host = BuildHost(app, mail);
        await host.StartAsync();
        var pass = host.Services.GetRequiredService<DigestPass>();
        var sample = host.Services.GetRequiredService<DigestEmails>().Compose(new DigestContent(
            Guid.NewGuid(), Guid.NewGuid(), "Bench Recipient", "someone@example.test", [new DigestLine("Bench Sender", "message", 2)]));

        var bare = await BareLoopAsync(mail, sample, users);
        await mail.ClearAsync();
        clock.Restart();
        var result = await pass.RunAsync(CancellationToken.None);
        var ours = clock.Elapsed;
        var arrived = (await mail.AllAsync()).Count;
        Report.Line($"bare MailKit loop, one connection          n={users,6}  wall={bare.TotalSeconds,7:0.00} s  {users / bare.TotalSeconds,7:0.0} emails/s");
        Report.Line($"digest pass (find, presence, claim, send)  n={result.Sent,6}  wall={ours.TotalSeconds,7:0.00} s  {result.Sent / ours.TotalSeconds,7:0.0} emails/s");
        Report.Line($"  ratio to baseline (throughput)           x{result.Sent / ours.TotalSeconds / (users / bare.TotalSeconds):0.00}");
        Report.Line($"  due {result.Due}, skipped online {result.SkippedOnline}, sent {result.Sent}, emails at the server {arrived} (of {seeded.Count} users)");
        await host.StopAsync();

        Report.Section($"Killed mid-way: {killUsers} users, the pass's process ends right after send {killAfter} (before its commit); another node runs the next pass");
        await mail.ClearAsync();
        var recipients = await SeedAsync(app.ConnectionString, "kill", killUsers);
        var settings = new Dictionary<string, string>(mail.WebSettings) { ["Digests:Schedule"] = "* * * * * *", ["Digests:PollInterval"] = "00:00:00.500" };
        var drill = await app.AddWebAsync("web-drill", new Dictionary<string, string>(settings) { ["Digests:CrashAfterSends"] = killAfter.ToString(CultureInfo.InvariantCulture) });
        await TestWait.UntilAsync(() => Task.FromResult(drill.HasExited), TimeSpan.FromMinutes(5), "the drill ends the process");
        var beforeKill = (await mail.AllAsync()).Count;
        await app.AddWebAsync("web-after", settings);
        await TestWait.UntilAsync(async () => await CountAsync(app.ConnectionString, "SELECT count(*) FROM notify.unseen_events WHERE waiting_since IS NOT NULL") == 0,
            TimeSpan.FromMinutes(10), "every digest is settled");
        var all = await mail.AllAsync();
        var perRecipient = all.GroupBy(m => m.To.FirstOrDefault() ?? "").ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        var duplicates = perRecipient.Values.Sum(c => Math.Max(0, c - 1));
        var missing = recipients.Count(r => !perRecipient.ContainsKey(r));
        var inDoubt = await CountAsync(app.ConnectionString, "SELECT count(*) FROM notify.digests WHERE status = 'in-doubt'");
        Report.Line($"emails before the kill {beforeKill}; after the next pass {all.Count} emails to {perRecipient.Count} of {killUsers} recipients");
        Report.Line($"duplicates: {duplicates}   in doubt (sent, not recorded, never resent): {inDoubt}   recipients without an email: {missing}");
    }

    private static IHost BuildHost(AppCluster app, MailCatcher mail)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = app.ConnectionString,
            ["Cluster:ClusterId"] = app.ClusterId,
            ["Cluster:ServiceId"] = app.ClusterId,
            ["Email:Host"] = "127.0.0.1",
            ["Email:Port"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Email:PublicBaseUrl"] = app.Webs[0].BaseAddress.AbsoluteUri,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddKeyRing();
        builder.AddClusterClient();
        builder.AddEmail();
        builder.AddDigests();
        return builder.Build();
    }

    private static async Task<TimeSpan> BareLoopAsync(MailCatcher mail, MimeMessage sample, int count)
    {
        using var client = new SmtpClient();
        var clock = Stopwatch.StartNew();
        await client.ConnectAsync("127.0.0.1", mail.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        for (var i = 0; i < count; i++)
        {
            sample.To.Clear();
            sample.To.Add(new MailboxAddress("Bench", $"bare{i}@example.test"));
            sample.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId();
            await client.SendAsync(sample);
        }

        await client.DisconnectAsync(true);
        return clock.Elapsed;
    }

    /// <summary>A sender and <paramref name="count"/> confirmed recipients, each with two messages waiting for an hour, digests every 15 minutes.</summary>
    private static async Task<List<string>> SeedAsync(string connectionString, string prefix, int count)
    {
        var sender = Guid.NewGuid();
        var people = Enumerable.Range(0, count).Select(i => (Id: Guid.NewGuid(), Name: $"{prefix}{i:D6}")).Prepend((Id: sender, Name: $"{prefix}sender")).ToList();
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using (var accounts = await db.BeginBinaryImportAsync(
            "COPY accounts.\"AspNetUsers\" (\"Id\", \"DisplayName\", \"UserName\", \"NormalizedUserName\", \"Email\", \"NormalizedEmail\", " +
            "\"EmailConfirmed\", \"PhoneNumberConfirmed\", \"TwoFactorEnabled\", \"LockoutEnabled\", \"AccessFailedCount\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (id, name) in people)
            {
                await accounts.WriteRowAsync(default, id, $"Bench {name}", name, name.ToUpperInvariant(), $"{name}@example.test",
                    $"{name}@EXAMPLE.TEST", true, false, false, true, 0);
            }

            await accounts.CompleteAsync();
        }

        await using (var settings = await db.BeginBinaryImportAsync("COPY notify.digest_settings (user_id, frequency) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (id, _) in people.Skip(1))
            {
                await settings.WriteRowAsync(default, id, "quarter-hour");
            }

            await settings.CompleteAsync();
        }

        await using (var events = await db.BeginBinaryImportAsync(
            "COPY notify.unseen_events (user_id, contact_id, kind, count, first_at, updated_at, waiting_since) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (id, _) in people.Skip(1))
            {
                await events.StartRowAsync();
                await events.WriteAsync(id, NpgsqlDbType.Uuid);
                await events.WriteAsync(sender, NpgsqlDbType.Uuid);
                await events.WriteAsync("message");
                await events.WriteAsync(2);
                await events.WriteAsync(since, NpgsqlDbType.TimestampTz);
                await events.WriteAsync(since, NpgsqlDbType.TimestampTz);
                await events.WriteAsync(since, NpgsqlDbType.TimestampTz);
            }

            await events.CompleteAsync();
        }

        return [.. people.Skip(1).Select(p => $"{p.Name}@example.test")];
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
