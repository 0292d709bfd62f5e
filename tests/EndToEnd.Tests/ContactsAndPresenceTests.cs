namespace Cybernet.EndToEnd.Tests;

[Collection(BrowserCollection.Name)]
public sealed class ContactsAndPresenceTests(BrowserFixture fixture)
{
    private const float Patience = Person.Patience;

    private static ILocator Contact(IPage page, string displayName) =>
        page.Locator("#contacts li.contact", new() { HasText = displayName });

    [Fact]
    public async Task Two_people_sign_up_connect_and_watch_each_others_presence()
    {
        await using var alicePerson = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bobPerson = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        var alice = alicePerson.Page;
        var (bobContext, bob, bobName) = (bobPerson.Context, bobPerson.Page, bobPerson.UserName);
        await alice.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "app-empty.png") });

        // Alice asks Bob by username.
        await alice.FillAsync("#add-contact-name", bobName);
        await alice.ClickAsync("#add-contact button[type=submit]");
        await Assertions.Expect(alice.Locator("#add-contact-result")).ToContainTextAsync($"Request sent to @{bobName}", new() { Timeout = Patience });
        await Assertions.Expect(alice.Locator("#outgoing li")).ToHaveCountAsync(1, new() { Timeout = Patience });

        // Bob sees it in his inbox, live, and accepts.
        var request = bob.Locator("#incoming li", new() { HasText = "Alice Liddell" });
        await Assertions.Expect(request).ToBeVisibleAsync(new() { Timeout = Patience });
        await Assertions.Expect(bob.Locator("#requests-count")).ToHaveTextAsync("1");
        await bob.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "app-request.png") });
        await request.Locator("button[data-action=accept]").ClickAsync();

        // Both see the other online.
        await Assertions.Expect(Contact(alice, "Bob Builder")).ToHaveAttributeAsync("data-presence", "online", new() { Timeout = Patience });
        await Assertions.Expect(Contact(bob, "Alice Liddell")).ToHaveAttributeAsync("data-presence", "online", new() { Timeout = Patience });
        await alice.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "app-contact-online.png") });
        await alice.SetViewportSizeAsync(390, 844);
        await alice.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "app-phone.png") });
        await alice.SetViewportSizeAsync(1280, 720);

        // Bob closes his tab: Alice sees him go offline with a last-seen line.
        await bob.CloseAsync();
        await Assertions.Expect(Contact(alice, "Bob Builder")).ToHaveAttributeAsync("data-presence", "offline", new() { Timeout = Patience });
        await Assertions.Expect(Contact(alice, "Bob Builder").Locator(".person-status")).ToContainTextAsync("Last seen");
        await alice.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "app-contact-offline.png") });

        // Bob comes back in a new tab: online again.
        var bobAgain = await bobContext.NewPageAsync();
        await bobAgain.GotoAsync("/");
        await Assertions.Expect(Contact(alice, "Bob Builder")).ToHaveAttributeAsync("data-presence", "online", new() { Timeout = Patience });

    }

    [Fact]
    public async Task Forms_show_clear_errors_and_every_page_is_screenshotted()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Web.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        Assert.Contains("/Account/SignIn", page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "signin.png") });

        await page.FillAsync("#Input_Login", "nobody-at-all");
        await page.FillAsync("#Input_Password", "wrong password 1");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".form-errors")).ToContainTextAsync("Wrong username or password.");

        await page.GotoAsync("/Account/SignUp");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "signup.png") });
        await page.FillAsync("#Input_UserName", "x");
        await page.FillAsync("#Input_Email", "not-an-email");
        await page.FillAsync("#Input_Password", "short");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-valmsg-for='Input.UserName']")).ToContainTextAsync("Usernames are");
        await Assertions.Expect(page.Locator("[data-valmsg-for='Input.Email']")).ToContainTextAsync("does not look like an email");
        await Assertions.Expect(page.Locator("[data-valmsg-for='Input.Password']")).ToContainTextAsync("at least 10 characters");
        await Assertions.Expect(page.Locator("[data-valmsg-for='Input.DisplayName']")).ToContainTextAsync("what to call you");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "signup-errors.png"), FullPage = true });

        await page.SetViewportSizeAsync(390, 844);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "signup-phone.png"), FullPage = true });
        await context.CloseAsync();
    }
}
