namespace Cybernet.EndToEnd.Tests;

/// <summary>
/// Emails as people get them: a message waiting in Alice's browser becomes a digest in Bob's inbox (never its
/// text), every email rendered in Chromium at desktop and phone widths, and the account pages screenshotted.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EmailTests(BrowserFixture fixture)
{
    private static string Shot(string name) => Path.Combine(BrowserFixture.ScreenshotDir, name);

    [Fact]
    public async Task A_message_waiting_for_an_offline_contact_becomes_a_digest_that_reads_well_on_a_phone()
    {
        // A web node whose "15 minutes" is one second and whose pass runs every second.
        var web = (await fixture.App!.AddWebAsync("web-digests", new Dictionary<string, string>
        {
            ["Digests:ShortDelay"] = "00:00:01",
            ["Digests:Schedule"] = "* * * * * *",
            ["Jobs:PollInterval"] = "00:00:00.500",
        })).BaseAddress;
        var mail = fixture.App.Mail;
        await using var alice = await Person.SignUpAsync(fixture.Browser, web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);

        await bob.Page.GotoAsync("/Account/Notifications");
        await bob.Page.CheckAsync("input[name=Frequency][value=quarter-hour]");
        await bob.Page.SelectOptionAsync("#TimeZone", "Europe/Lisbon");
        await bob.Page.ClickAsync("main button[type=submit]");
        await bob.Page.WaitForSelectorAsync("#saved");
        await bob.Page.ScreenshotAsync(new() { Path = Shot("notifications.png"), FullPage = true });
        await bob.Page.CloseAsync();
        await Assertions.Expect(alice.ContactRow("Bob Builder")).ToHaveAttributeAsync("data-presence", "offline", new() { Timeout = Person.Patience });

        var secret = $"secret-{Guid.NewGuid():N}";
        await alice.OpenConversationAsync("Bob Builder");
        await alice.SendAsync(secret);
        await Assertions.Expect(alice.Page.Locator("#outbox-note")).ToHaveAttributeAsync("data-count", "1", new() { Timeout = Person.Patience });

        var digest = await mail.WaitForAsync(bob.Email, "left you", TimeSpan.FromSeconds(60));
        Assert.Equal("Alice Liddell left you 1 thing", digest.Subject);
        var html = await mail.HtmlAsync(digest);
        var text = await mail.TextAsync(digest);
        Assert.Contains("1 message waiting for you", text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, html + text + await mail.RawAsync(digest), StringComparison.Ordinal);

        var page = await fixture.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 800, Height = 900 } });
        await page.SetContentAsync(html);
        await page.ScreenshotAsync(new() { Path = Shot("email-digest.png"), FullPage = true });
        await page.SetViewportSizeAsync(360, 740);
        await page.ScreenshotAsync(new() { Path = Shot("email-digest-phone.png"), FullPage = true });
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the digest fits a 360 px screen");
        await Assertions.Expect(page.GetByText("Open Cybernet Call")).ToBeVisibleAsync();

        // The unsubscribe link, opened in a browser: it asks first, then unsubscribes.
        var unsubscribe = await mail.LinkAsync(digest, "/unsubscribe/");
        await page.SetViewportSizeAsync(1280, 720);
        await page.GotoAsync(unsubscribe.AbsoluteUri);
        await page.ScreenshotAsync(new() { Path = Shot("unsubscribe.png") });
        await page.ClickAsync("#unsubscribe");
        await Assertions.Expect(page.Locator("#unsubscribe-result")).ToHaveAttributeAsync("data-result", "done");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Account_emails_and_pages_render_cleanly()
    {
        var mail = fixture.App!.Mail;
        await using var carol = await Person.SignUpAsync(fixture.Browser, fixture.Web, "carol", "Carol Danvers");
        var page = await fixture.Browser.NewPageAsync(new() { BaseURL = fixture.Web.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });

        await page.GotoAsync("/Account/ForgotPassword");
        await page.ScreenshotAsync(new() { Path = Shot("forgot-password.png") });
        await page.FillAsync("#Email", carol.Email);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#reset-sent");
        var reset = await mail.WaitForAsync(carol.Email, "Reset your password");
        await page.GotoAsync((await mail.LinkAsync(reset, "/Account/ResetPassword")).PathAndQuery);
        await page.ScreenshotAsync(new() { Path = Shot("reset-password.png") });

        await carol.Page.GotoAsync("/Account/Profile");
        await carol.Page.FillAsync("#NewEmail", $"new-{carol.Email}");
        await carol.Page.ClickAsync("form[action*=ChangeEmail] button[type=submit]");
        await carol.Page.WaitForSelectorAsync("#change-sent");
        await carol.Page.ScreenshotAsync(new() { Path = Shot("profile.png"), FullPage = true });
        var change = await mail.WaitForAsync($"new-{carol.Email}", "Confirm your new email address");

        var confirm = await mail.WaitForAsync(carol.Email, "Confirm your email address");
        foreach (var (email, name) in new[] { (confirm, "confirm"), (reset, "reset"), (change, "change") })
        {
            await page.SetViewportSizeAsync(800, 900);
            await page.SetContentAsync(await mail.HtmlAsync(email));
            await page.ScreenshotAsync(new() { Path = Shot($"email-{name}.png"), FullPage = true });
            await page.SetViewportSizeAsync(360, 740);
            Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), $"the {name} email fits a 360 px screen");
        }

        await page.SetViewportSizeAsync(1280, 800);
        await page.GotoAsync("/Account/CheckEmail?email=someone%40example.test");
        await page.ScreenshotAsync(new() { Path = Shot("check-email.png") });
        // "Send the link again": a real form post (antiforgery token and all) that comes back to this page.
        var resend = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("main button[type=submit]"),
            r => r.Url.Contains("/Account/ResendConfirmation", StringComparison.Ordinal) && r.Request.Method == "POST");
        Assert.Equal(302, resend.Status);
        await Assertions.Expect(page.Locator("main h1")).ToHaveTextAsync("Check your email");
        await page.CloseAsync();
    }
}
