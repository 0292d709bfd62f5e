using System.Net;

using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>
/// Digests of missed activity, end to end: events recorded by the real hub and grains, the Web's digest pass run
/// with a clock the test moves, emails read back from the real SMTP server.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DigestTests(ClusterFixture fixture) : IAsyncLifetime
{
    private const string DigestSubject = "left you";

    private DigestHost host = null!;

    private MailCatcher Mail => fixture.Cluster!.Mail;

    public async Task InitializeAsync() => host = await DigestHost.StartAsync(fixture.Cluster!, Mail, fixture.Web1);

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task<IReadOnlyList<CaughtEmail>> DigestsTo(TestUser user) =>
        [.. (await Mail.ToAsync(user.Email)).Where(m => m.Subject.Contains(DigestSubject, StringComparison.Ordinal))];

    /// <summary>A is online; B signed up, is A's contact, and is offline (no hub connection).</summary>
    private async Task<(TestUser A, TestUser B)> SenderAndOfflineRecipientAsync()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await b.Hub!.DisposeAsync();
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(b.Id) == "offline"), TimeSpan.FromSeconds(20), "B is offline");
        return (a, b);
    }

    [Fact]
    public async Task A_waiting_message_brings_exactly_one_digest_after_the_delay()
    {
        var (a, b) = await SenderAndOfflineRecipientAsync();
        await using var disposeA = a;
        await using var disposeB = b;

        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 3);
        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 3); // a retry

        await host.RunAtAsync(TimeSpan.FromMinutes(30));
        Assert.Empty(await DigestsTo(b)); // B's default is hourly

        await host.RunAtAsync(TimeSpan.FromMinutes(61));
        var digest = Assert.Single(await DigestsTo(b));
        Assert.Equal($"Test {a.UserName} left you 3 things", digest.Subject);
        var text = await Mail.TextAsync(digest);
        Assert.Contains("3 messages waiting for you", text, StringComparison.Ordinal);
        var raw = System.Text.RegularExpressions.Regex.Replace(await Mail.RawAsync(digest), @"\r?\n[ \t]+", " "); // unfolded headers
        Assert.Contains("text/html", raw, StringComparison.Ordinal);
        Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", raw, StringComparison.Ordinal);
        Assert.Matches(@"List-Unsubscribe:\s*<http://127\.0\.0\.1:\d+/unsubscribe/[^>]+>", raw);

        // Passes later repeat nothing; a retried report changes nothing either.
        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 3);
        await host.RunAtAsync(TimeSpan.FromHours(3));
        await host.RunAtAsync(TimeSpan.FromHours(5));
        Assert.Single(await DigestsTo(b));

        // Two more messages are new events: one more digest, about those two only.
        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 5);
        await host.RunAtAsync(TimeSpan.FromHours(7));
        var digests = await DigestsTo(b);
        Assert.Equal(2, digests.Count);
        Assert.Contains("2 messages waiting for you", await Mail.TextAsync(digests[1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_offered_and_missed_calls_go_into_the_same_digest()
    {
        var (a, b) = await SenderAndOfflineRecipientAsync();
        await using var disposeA = a;
        await using var disposeB = b;

        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "file", 2);
        // A real call: B has no device online, so A sees "not available" and B gets a missed call.
        var call = await a.Hub!.InvokeAsync<System.Text.Json.JsonElement>("StartCall", b.Id, false);
        Assert.Equal("not-available", call.GetProperty("outcome").GetString());
        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => a.Hub!.InvokeAsync<object>("SetPending", b.Id, "call", 5));
        Assert.Contains("recorded by the server", refused.Message, StringComparison.Ordinal);
        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 1);
        await host.RunAtAsync(TimeSpan.FromHours(2));

        var digest = Assert.Single(await DigestsTo(b));
        Assert.Equal($"Test {a.UserName} left you 4 things", digest.Subject);
        var text = await Mail.TextAsync(digest);
        Assert.Contains("2 files offered to you", text, StringComparison.Ordinal);
        Assert.Contains("1 missed call", text, StringComparison.Ordinal);
        Assert.Contains("1 message waiting for you", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_digest_while_the_user_is_online_and_none_once_a_device_received_it()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;

        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 2);
        var online = await host.RunAtAsync(TimeSpan.FromHours(2));
        Assert.True(online.SkippedOnline >= 1);
        Assert.Empty(await DigestsTo(b));

        // B's device receives the messages: the event is seen, and B going offline brings no digest.
        await b.Hub!.InvokeAsync("ClearPending", a.Id, "message");
        await b.Hub!.DisposeAsync();
        await TestWait.UntilAsync(() => Task.FromResult(a.LastPresenceOf(b.Id) == "offline"), TimeSpan.FromSeconds(20), "B is offline");
        await host.RunAtAsync(TimeSpan.FromHours(4));
        Assert.Empty(await DigestsTo(b));
    }

    [Fact]
    public async Task Unsubscribe_in_one_click_stops_digests_and_forged_tokens_are_refused()
    {
        var (a, b) = await SenderAndOfflineRecipientAsync();
        await using var disposeA = a;
        await using var disposeB = b;
        var (c, d) = await SenderAndOfflineRecipientAsync();
        await using var disposeC = c;
        await using var disposeD = d;

        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 1);
        await c.Hub!.InvokeAsync<object>("SetPending", d.Id, "message", 1);
        await host.RunAtAsync(TimeSpan.FromHours(2));
        var unsubscribe = await Mail.LinkAsync(Assert.Single(await DigestsTo(b)), "/unsubscribe/");
        var ofD = await Mail.LinkAsync(Assert.Single(await DigestsTo(d)), "/unsubscribe/");

        // Forged: a token edited by hand, a token made up, and B's token pasted onto D's path are all refused.
        using var mailProvider = new HttpClient { BaseAddress = fixture.Web2 };
        foreach (var forged in new[] { unsubscribe.AbsolutePath[..^6] + "AAAAAA", "/unsubscribe/CfDJ8made-up-token", ofD.AbsolutePath + "x" })
        {
            var refused = await mailProvider.PostAsync(forged, OneClick());
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        // GET only asks; the RFC 8058 POST (no cookie, no form token, on any web node) unsubscribes.
        var asked = await mailProvider.GetStringAsync(unsubscribe.AbsolutePath);
        Assert.Contains("id=\"unsubscribe\"", asked, StringComparison.Ordinal);
        var done = await mailProvider.PostAsync(unsubscribe.AbsolutePath, OneClick());
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Contains("data-result=\"done\"", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await mailProvider.PostAsync(unsubscribe.AbsolutePath, OneClick())).StatusCode); // twice is fine

        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 4);
        await c.Hub!.InvokeAsync<object>("SetPending", d.Id, "message", 4);
        await host.RunAtAsync(TimeSpan.FromHours(5));
        Assert.Single(await DigestsTo(b));
        Assert.Equal(2, (await DigestsTo(d)).Count); // D's digests go on: B's token touched only B
    }

    [Fact]
    public async Task Quiet_hours_hold_the_digest_until_they_end()
    {
        var (a, b) = await SenderAndOfflineRecipientAsync();
        await using var disposeA = a;
        await using var disposeB = b;
        var at = DateTimeOffset.UtcNow.AddHours(2);
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        var saved = await b.PostFormAsync("/Account/Notifications", new()
        {
            ["Frequency"] = "quarter-hour",
            ["DailyAt"] = "08:00",
            ["QuietFrom"] = TimeOnly.FromDateTime(local.DateTime.AddHours(-1)).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            ["QuietUntil"] = TimeOnly.FromDateTime(local.DateTime.AddHours(1)).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            ["TimeZone"] = "Europe/Berlin",
        });
        Assert.Contains("id=\"saved\"", await saved.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 2);
        await host.RunAtAsync(TimeSpan.FromHours(2));
        Assert.Empty(await DigestsTo(b));

        await host.RunAtAsync(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(5));
        Assert.Single(await DigestsTo(b));
    }

    [Fact]
    public async Task With_the_SMTP_server_down_nothing_is_marked_sent_and_the_next_pass_delivers()
    {
        await using var privateMail = await MailCatcher.StartAsync();
        await using var pass = await DigestHost.StartAsync(fixture.Cluster!, privateMail, fixture.Web1);
        var (a, b) = await SenderAndOfflineRecipientAsync();
        await using var disposeA = a;
        await using var disposeB = b;
        await a.Hub!.InvokeAsync<object>("SetPending", b.Id, "message", 2);

        await privateMail.StopAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => pass.RunAtAsync(TimeSpan.FromHours(2)));
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM notify.digests WHERE user_id = @user", b.Id));
        Assert.Equal(0L, await ScalarAsync("SELECT sum(notified_count) FROM notify.unseen_events WHERE user_id = @user", b.Id));

        await privateMail.RunAsync();
        var result = await pass.RunAtAsync(TimeSpan.FromHours(2));
        Assert.True(result.Sent >= 1);
        Assert.Single(await privateMail.ToAsync(b.Email), m => m.Subject.Contains(DigestSubject, StringComparison.Ordinal));
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM notify.digests WHERE user_id = @user AND status = 'sent'", b.Id));
    }

    [Fact]
    public async Task Nothing_about_a_blocked_sender_is_recorded_or_emailed()
    {
        var (a, b) = await SenderAndOfflineRecipientAsync();
        await using var disposeA = a;
        await using var disposeB = b;
        await b.ConnectAsync();
        await b.Hub!.InvokeAsync("BlockUser", a.Id);
        await b.Hub!.DisposeAsync();

        var outcome = await a.Hub!.InvokeAsync<System.Text.Json.JsonElement>("SetPending", b.Id, "message", 2);
        Assert.Equal("RecipientOffline", outcome.GetProperty("outcome").GetString()); // silent to the blocked user
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM notify.unseen_events WHERE user_id = @user AND seen_at IS NULL", b.Id));
        await host.RunAtAsync(TimeSpan.FromHours(3));
        Assert.Empty(await DigestsTo(b));
    }

    private static FormUrlEncodedContent OneClick() => new(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" });

    private Task<long> ScalarAsync(string sql, Guid user) => Sql.ScalarAsync(fixture.Cluster!.ConnectionString, sql, user);
}
