using Cybernet.Silo;
using Cybernet.Silo.UnseenEvents;

var builder = WebApplication.CreateBuilder(args);
builder.AddCybernetSilo();
builder.AddPresence();
builder.AddCalls();
builder.AddUnseenEvents();

var app = builder.Build();
await app.ApplySchemaAsync();
app.MapSiloHealth();
app.MapCallTestClock();
await app.RunAsync();
