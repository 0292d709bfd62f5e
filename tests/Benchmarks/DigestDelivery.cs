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
/// A digest pass over many users with a waiting message, against a real SMTP server on loopback (<see cref="SmtpSink"/>),
/// next to a bare MailKit loop sending as many messages of the same size to the same server (before and after);
/// then a pass killed mid-way (a real process end between send and commit) and the next pass, counting duplicates.
/// </summary>
public static class DigestDelivery
{
    public static async Task RunAsync(int users, int killUsers, int killAfter)
    {
        await using var mail = new SmtpSink();
        await using var app = await AppCluster.StartAsync(silos: 1, webs: 0);
        // One web node migrates the schema and serves the key ring; its own schedule never fires during the run.
        await app.AddWebAsync("web", new Dictionary<string, string>(mail.WebSettings) { ["Digests:Schedule"] = "0 0 1 1 *" });

        Report.Section($"Digest pass: {users} users with a waiting message, one pass, an SMTP server on loopback, one silo, one connection each");
        var clock = Stopwatch.StartNew();
        var seeded = await SeedAsync(app.ConnectionString, "bench", users);
        Report.Line($"setup: {users} accounts with a waiting message seeded in {clock.Elapsed.TotalSeconds:0.0} s");

        using var host = BuildHost(app, mail);
        await host.StartAsync();
        var pass = host.Services.GetRequiredService<DigestPass>();
        var sample = host.Services.GetRequiredService<DigestEmails>().Compose(new DigestContent(
            Guid.NewGuid(), Guid.NewGuid(), "Bench Recipient", "someone@example.test", [new DigestLine("Bench Sender", "message", 2)]));

        var bareBefore = await BareLoopAsync(mail, sample, users);
        mail.Clear();
        clock.Restart();
        var result = await pass.RunAsync(CancellationToken.None);
        var ours = clock.Elapsed;
        var arrived = seeded.Count(r => mail.PerRecipient.ContainsKey(r));
        mail.Clear();
        var bareAfter = await BareLoopAsync(mail, sample, users);
        mail.Clear();
        var bare = (bareBefore + bareAfter) / 2;
        Report.Line($"bare MailKit loop, before                  n={users,6}  wall={bareBefore.TotalSeconds,7:0.00} s  {users / bareBefore.TotalSeconds,7:0.0} emails/s");
        Report.Line($"digest pass (find, presence, claim, send)  n={result.Sent,6}  wall={ours.TotalSeconds,7:0.00} s  {result.Sent / ours.TotalSeconds,7:0.0} emails/s");
        Report.Line($"bare MailKit loop, after                   n={users,6}  wall={bareAfter.TotalSeconds,7:0.00} s  {users / bareAfter.TotalSeconds,7:0.0} emails/s");
        Report.Line($"  ratio to baseline (throughput, mean of the two bare runs)  x{result.Sent / ours.TotalSeconds / (users / bare.TotalSeconds):0.00}");
        Report.Line($"  due {result.Due}, skipped online {result.SkippedOnline}, sent {result.Sent}, users with their digest at the server {arrived} of {seeded.Count}");
        Report.Line($"  phases: find due {result.Phases.Find.TotalSeconds:0.00} s, presence (one grain call each) {result.Phases.Presence.TotalSeconds:0.00} s, claim + send + settle {result.Phases.Send.TotalSeconds:0.00} s");
        await host.StopAsync();

        Report.Section($"Killed mid-way: {killUsers} users, the pass's process ends right after send {killAfter} (before its commit); another node runs the next pass");
        var recipients = await SeedAsync(app.ConnectionString, "kill", killUsers);
        var settings = new Dictionary<string, string>(mail.WebSettings)
        {
            ["Digests:Schedule"] = "* * * * * *",
            ["Jobs:PollInterval"] = "00:00:00.500",
            ["Email:Pipelining"] = "false",
        };
        var drill = await app.AddWebAsync("web-drill", new Dictionary<string, string>(settings) { ["Digests:CrashAfterSends"] = killAfter.ToString(CultureInfo.InvariantCulture) });
        await TestWait.UntilAsync(() => Task.FromResult(drill.HasExited), TimeSpan.FromMinutes(5), "the drill ends the process");
        var beforeKill = mail.Total;
        await app.AddWebAsync("web-after", settings);
        await TestWait.UntilAsync(async () => await CountAsync(app.ConnectionString, "SELECT count(*) FROM notify.unseen_events WHERE waiting_since IS NOT NULL") == 0,
            TimeSpan.FromMinutes(10), "every digest is settled");
        var perRecipient = mail.PerRecipient;
        var duplicates = perRecipient.Values.Sum(c => Math.Max(0, c - 1));
        var missing = recipients.Count(r => !perRecipient.ContainsKey(r));
        var inDoubt = await CountAsync(app.ConnectionString, "SELECT count(*) FROM notify.digests WHERE status = 'in-doubt'");
        Report.Line($"emails before the kill {beforeKill}; after the next pass {mail.Total} emails to {perRecipient.Count} of {killUsers} recipients");
        Report.Line($"duplicates: {duplicates}   in doubt (sent, not recorded, never resent): {inDoubt}   recipients without an email: {missing}");
    }

    private static IHost BuildHost(AppCluster app, SmtpSink mail)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = app.ConnectionString,
            ["Cluster:ClusterId"] = app.ClusterId,
            ["Cluster:ServiceId"] = app.ServiceId,
            ["Email:Host"] = "127.0.0.1",
            ["Email:Port"] = mail.Port.ToString(CultureInfo.InvariantCulture),
            ["Email:Pipelining"] = "false",
            ["Email:PublicBaseUrl"] = app.Webs[0].BaseAddress.AbsoluteUri,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddKeyRing();
        builder.AddClusterClient();
        builder.AddEmail();
        builder.AddDigests();
        return builder.Build();
    }

    private static async Task<TimeSpan> BareLoopAsync(SmtpSink mail, MimeMessage sample, int count)
    {
        using var client = new SmtpClient();
        var clock = Stopwatch.StartNew();
        // The same connection set-up as MailSender with Email:Pipelining off: TCP_NODELAY, no pipelining.
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, mail.Port);
        await client.ConnectAsync(socket, "127.0.0.1", mail.Port, MailKit.Security.SecureSocketOptions.None);
        client.Capabilities &= ~SmtpCapabilities.Pipelining;
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
