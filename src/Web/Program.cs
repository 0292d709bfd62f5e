using Cybernet.Web.Digests;
using Cybernet.Web.Email;
using Cybernet.Web.Infrastructure;
using Cybernet.Web.Jobs;
using Cybernet.Web.Presence;
using Cybernet.Web.Signaling;

var builder = WebApplication.CreateBuilder(args);
builder.AddAccounts();
builder.AddClusterClient();
builder.AddPresence();
builder.AddSignaling();
builder.AddJobs();
builder.AddEmail();
builder.AddDigests();
builder.AddDigestJobs();
builder.Services.AddRazorPages(o => o.Conventions.AuthorizeFolder("/").AllowAnonymousToFolder("/Account").AllowAnonymousToPage("/Unsubscribe"));

var app = builder.Build();
await app.MigrateAccountsAsync();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error");
}

app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.MapRazorPages();
app.MapSignaling();
app.MapJobs();
app.MapHealthChecks("/health");
await app.RunAsync();

/// <summary>Entry point; public so tests can find the assembly.</summary>
public partial class Program;
