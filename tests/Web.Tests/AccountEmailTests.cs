using System.Net;

namespace Cybernet.Web.Tests;

/// <summary>Account emails through a real SMTP server (smtp4dev): confirmation, password reset, email change.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AccountEmailTests(ClusterFixture fixture)
{
    private MailCatcher Mail => fixture.Cluster!.Mail;

    [Fact]
    public async Task Sign_in_waits_for_the_confirmation_link_which_works_end_to_end()
    {
        await using var user = await TestUser.SignUpUnconfirmedAsync(fixture.Web1);

        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => user.SignInAsync());
        Assert.Contains("Confirm your email address first", early.Message, StringComparison.Ordinal);

        var email = await Mail.WaitForAsync(user.Email, "Confirm your email address");
        var raw = await Mail.RawAsync(email);
        Assert.Contains("text/plain", raw, StringComparison.Ordinal);
        Assert.Contains("text/html", raw, StringComparison.Ordinal);
        var link = await Mail.LinkAsync(email, "/Account/ConfirmEmail");

        // A tampered token is refused with a clear page.
        var forged = await user.GetAsync(link.PathAndQuery[..^4] + "AAAA");
        Assert.Contains("data-result=\"invalid\"", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The link opened on the other web node works too: one key ring for all nodes.
        var confirmed = await user.OnAnotherNode(fixture.Web2).GetAsync(link.PathAndQuery);
        Assert.Contains("data-result=\"confirmed\"", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await user.SignInAsync();
        Assert.NotEqual(Guid.Empty, user.Id);

        // Used once: opened again it changes nothing and says so.
        var again = await user.GetAsync(link.PathAndQuery);
        Assert.Contains("data-result=\"already\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resend_sends_a_second_working_link()
    {
        await using var user = await TestUser.SignUpUnconfirmedAsync(fixture.Web1);
        await Mail.WaitForAsync(user.Email, "Confirm your email address");

        var resend = await user.PostFormAsync("/Account/ResendConfirmation", new() { ["Email"] = user.Email });
        Assert.Equal(HttpStatusCode.Redirect, resend.StatusCode);
        await TestWait.UntilAsync(async () => (await Mail.ToAsync(user.Email)).Count == 2, TimeSpan.FromSeconds(20), "a second link arrives");

        var second = (await Mail.ToAsync(user.Email))[1];
        var confirmed = await user.GetAsync((await Mail.LinkAsync(second, "/Account/ConfirmEmail")).PathAndQuery);
        Assert.Contains("data-result=\"confirmed\"", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await user.SignInAsync();
    }

    [Fact]
    public async Task Password_reset_works_once()
    {
        await using var user = await TestUser.SignUpAsync(fixture.Web1);
        await using var visitor = TestUser.Anonymous(fixture.Web2);

        var asked = await visitor.PostFormAsync("/Account/ForgotPassword", new() { ["Email"] = user.Email });
        Assert.Contains("id=\"reset-sent\"", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var email = await Mail.WaitForAsync(user.Email, "Reset your password");
        var link = (await Mail.LinkAsync(email, "/Account/ResetPassword")).PathAndQuery;

        var reset = await visitor.PostFormAsync(link, new() { ["Password"] = "brand new horse 7" });
        Assert.Contains("data-result=\"changed\"", await reset.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var again = await visitor.PostFormAsync(link, new() { ["Password"] = "another horse 8" });
        Assert.Contains("expired or was already used", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var signIn = TestUser.Anonymous(fixture.Web1);
        var old = await Assert.ThrowsAsync<InvalidOperationException>(() => user.OnAnotherNode(fixture.Web1).SignInAsync(TestUser.Password));
        Assert.Contains("Wrong username or password", old.Message, StringComparison.Ordinal);
        await user.OnAnotherNode(fixture.Web2).SignInAsync("brand new horse 7");

        // Nobody learns whether an address has an account.
        var unknown = await visitor.PostFormAsync("/Account/ForgotPassword", new() { ["Email"] = "nobody-at-all@example.test" });
        Assert.Contains("id=\"reset-sent\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_email_address_takes_effect_when_confirmed_at_that_address()
    {
        await using var user = await TestUser.SignUpAsync(fixture.Web1);
        var newAddress = $"new-{user.UserName}@example.test";

        var asked = await user.PostFormAsync("/Account/Profile?handler=ChangeEmail", new() { ["NewEmail"] = newAddress });
        Assert.Contains("id=\"change-sent\"", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var profile = await (await user.GetAsync("/Account/Profile")).Content.ReadAsStringAsync();
        Assert.Contains(user.Email, profile, StringComparison.Ordinal);

        var email = await Mail.WaitForAsync(newAddress, "Confirm your new email address");
        var link = (await Mail.LinkAsync(email, "/Account/ConfirmEmailChange")).PathAndQuery;
        var changed = await user.GetAsync(link);
        Assert.Contains("data-result=\"changed\"", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var again = await user.GetAsync(link);
        Assert.Contains("data-result=\"invalid\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var visitor = TestUser.Anonymous(fixture.Web2);
        var reset = await visitor.PostFormAsync("/Account/ForgotPassword", new() { ["Email"] = newAddress });
        Assert.Contains("id=\"reset-sent\"", await reset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Mail.WaitForAsync(newAddress, "Reset your password");
    }
}
