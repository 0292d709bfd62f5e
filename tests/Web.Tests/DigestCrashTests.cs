using Npgsql;

namespace Cybernet.Web.Tests;

/// <summary>
/// A digest pass killed between an SMTP send and its commit, in a real web node process run by Hangfire:
/// the next pass (on another node) sends the rest and repeats nothing.
/// </summary>
public sealed class DigestCrashTests
{
    private const int Recipients = 8;
    private const int CrashAfter = 3;

    [Fact]
    public async Task A_pass_killed_between_send_and_commit_sends_the_rest_and_repeats_nothing()
    {
        await using var app = await AppCluster.StartAsync(silos: 1, webs: 0);
        // The first node migrates the database, then the fault drill starts on its first pass.
        var everySecond = new Dictionary<string, string> { ["Digests:Schedule"] = "* * * * * *", ["Jobs:PollInterval"] = "00:00:00.500" };
        var crashing = await app.AddWebAsync("web-crash", new Dictionary<string, string>(everySecond)
        {
            ["Digests:CrashAfterSends"] = CrashAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Digests:Schedule"] = "0 0 1 1 *", // not before the accounts exist: started below
        });
        var recipients = await SeedAsync(app.ConnectionString);
        await crashing.DisposeAsync();

        var drill = await app.AddWebAsync("web-drill", new Dictionary<string, string>(everySecond)
        {
            ["Digests:CrashAfterSends"] = CrashAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await TestWait.UntilAsync(() => Task.FromResult(drill.HasExited), TimeSpan.FromSeconds(60), "the drill ends the process mid-pass");
        Assert.Contains("Digest fault drill", drill.Output, StringComparison.Ordinal);
        Assert.Equal(CrashAfter, await DigestsReceivedAsync(app.Mail, recipients));
        Assert.Equal(1L, await ScalarAsync(app.ConnectionString, "SELECT count(*) FROM notify.digests WHERE status = 'sending'"));

        var after = await app.AddWebAsync("web-after", everySecond);
        await TestWait.UntilAsync(async () => await DigestsReceivedAsync(app.Mail, recipients) == Recipients
            && await ScalarAsync(app.ConnectionString, "SELECT count(*) FROM notify.digests WHERE status = 'sending'") == 0,
            // Seconds as a rule; if the kill also left a Hangfire lock row behind, up to its one-minute expiry more.
            TimeSpan.FromSeconds(180), "the next pass sends the rest");

        // Let a few more passes run: still nobody gets a second email.
        var succeeded = await PassesSucceededAsync(app.ConnectionString);
        await TestWait.UntilAsync(async () => await PassesSucceededAsync(app.ConnectionString) >= succeeded + 3, TimeSpan.FromSeconds(60), "three more passes");
        foreach (var address in recipients)
        {
            Assert.Single(await app.Mail.ToAsync(address), m => m.Subject.Contains("left you", StringComparison.Ordinal));
        }

        Assert.Equal(Recipients - 1L, await ScalarAsync(app.ConnectionString, "SELECT count(*) FROM notify.digests WHERE status = 'sent'"));
        Assert.Equal(1L, await ScalarAsync(app.ConnectionString, "SELECT count(*) FROM notify.digests WHERE status = 'in-doubt'"));
        Assert.Contains("settled as in doubt, not sent again", after.Output, StringComparison.Ordinal);
    }

    /// <summary>One sender and <see cref="Recipients"/> confirmed accounts, each with two messages waiting for an hour, digests every 15 minutes.</summary>
    private static async Task<IReadOnlyList<string>> SeedAsync(string connectionString)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var sender = Guid.NewGuid();
        var recipients = Enumerable.Range(0, Recipients).Select(i => (Id: Guid.NewGuid(), Email: $"crash{run}{i}@example.test")).ToList();
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        foreach (var (id, email, name) in recipients.Select(r => (r.Id, r.Email, "Recipient")).Prepend((sender, $"sender{run}@example.test", "Sender")))
        {
            await using var account = new NpgsqlCommand("""
                INSERT INTO accounts."AspNetUsers" ("Id", "DisplayName", "UserName", "NormalizedUserName", "Email", "NormalizedEmail",
                    "EmailConfirmed", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
                VALUES (@id, @name, @user, upper(@user), @email, upper(@email), true, false, false, true, 0)
                """, db);
            account.Parameters.AddWithValue("id", id);
            account.Parameters.AddWithValue("name", name);
            account.Parameters.AddWithValue("user", email.Split('@')[0]);
            account.Parameters.AddWithValue("email", email);
            await account.ExecuteNonQueryAsync();
        }

        foreach (var (id, _) in recipients)
        {
            await using var waiting = new NpgsqlCommand("""
                INSERT INTO notify.digest_settings (user_id, frequency) VALUES (@user, 'quarter-hour');
                INSERT INTO notify.unseen_events (user_id, contact_id, kind, count, first_at, updated_at, waiting_since)
                VALUES (@user, @sender, 'message', 2, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour');
                """, db);
            waiting.Parameters.AddWithValue("user", id);
            waiting.Parameters.AddWithValue("sender", sender);
            await waiting.ExecuteNonQueryAsync();
        }

        return [.. recipients.Select(r => r.Email)];
    }

    private static async Task<int> DigestsReceivedAsync(MailCatcher mail, IReadOnlyList<string> recipients)
    {
        var all = await mail.AllAsync();
        return all.Count(m => m.Subject.Contains("left you", StringComparison.Ordinal) && m.To.Any(t => recipients.Any(r => t.Contains(r, StringComparison.OrdinalIgnoreCase))));
    }

    private static async Task<long> PassesSucceededAsync(string connectionString) =>
        await ScalarAsync(connectionString, "SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded'");

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return await command.ExecuteScalarAsync() is long value ? value : 0;
    }
}
